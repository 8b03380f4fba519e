"""reconciling held transfers: applied to a dossier by hand, or dismissed with a reason

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 16:00:00

A transfer held for reconciliation (0017) is resolved by reception or an admin: applied to
the dossier it was meant for, or dismissed with a reason. The row stays, so the bank sending
the same transaction again still changes nothing, and it leaves the list of held transfers.
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('held_transfers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', engine.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.create_foreign_key('fk_held_transfers_resolved_by_users', 'users',
                                    ['resolved_by'], ['id'])


def downgrade():
    with op.batch_alter_table('held_transfers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_held_transfers_resolved_by_users', type_='foreignkey')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolved_by')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('resolution')
