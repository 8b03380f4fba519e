"""online submissions and notifications to citizens

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 15:00:00

A citizen submits a dossier online (status 1, channel 2); `online_submissions` holds when it
was submitted, by when reception must verify it (8 working hours) and reception's answer.
The citizen is told of each answer through the notifications outbox: a notification without
a recipient (0018) is for the citizen, now at the contact it records.
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'online_submissions',
        sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('submitted_at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('verify_by', engine.models.UTCDateTime(), nullable=False),
        sa.Column('missing', sa.JSON(), nullable=False),
        sa.Column('refusal_reason', sa.Text(), nullable=True),
        sa.Column('verified_at', engine.models.UTCDateTime(), nullable=True),
        sa.Column('verified_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.ForeignKeyConstraint(['verified_by'], ['users.id']),
        sa.PrimaryKeyConstraint('dossier_id'),
    )
    with op.batch_alter_table('online_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_online_submissions_state_submitted_at',
                              ['state', 'submitted_at'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('contact')
    with op.batch_alter_table('online_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_online_submissions_state_submitted_at')
    op.drop_table('online_submissions')
