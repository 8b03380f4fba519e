"""reasons of status changes, and notices addressed to the citizen

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 15:00:00

A withdrawal (status 7) or a stop (status 8) keeps its reason on the status change that made
it, so the citizen's page and the stop notice (Form 05) read "the latest change to 7 or 8 and
its reason". A notification without a recipient is addressed to the dossier's applicant (the
contact on the dossier), for the delivery channel: withdrawals and stops are told to the
citizen through the same outbox as staff reminders.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossier_status_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM notifications WHERE recipient_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('dossier_status_changes', schema=None) as batch_op:
        batch_op.drop_column('reason')
