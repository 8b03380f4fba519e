"""clock history of dossiers: their appointment and pause at any moment

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 15:10:00

Every change of a dossier's statutory clock (appointment set, paused, resumed, restarted,
extended) becomes a row (at, appointment, running), so reports judge a past period against
the appointment in force at its end. Existing dossiers get no rows: a report reads their
current appointment and pause, as it did before.
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dossier_clock_changes',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('appointment_at', engine.models.UTCDateTime(), nullable=True),
        sa.Column('running', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('dossier_clock_changes', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_clock_changes_dossier_at', ['dossier_id', 'at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('dossier_clock_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_clock_changes_dossier_at')
    op.drop_table('dossier_clock_changes')
