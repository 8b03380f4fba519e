"""payments and transfers held for reconciliation

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 15:00:00

A dossier's fee becomes a payment row when it falls due (at receipt, or when reception asks
for it at supplement or at return), with the reference a bank transfer carries; transfers
the bank confirms that cannot be applied are kept in held_transfers for reconciliation.
Dossiers received before this revision have no payment row.
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table(
        'payments',
        sa.Column('id', ROW_ID, nullable=False),
        sa.Column('dossier_id', ROW_ID, nullable=False),
        sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reference', sa.String(length=25), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=True),
        sa.Column('transaction_id', sa.String(length=64), nullable=True),
        sa.Column('due_at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('paid_at', engine.models.UTCDateTime(), nullable=True),
        sa.Column('recorded_by', sa.Integer(), nullable=True),
        sa.Column('refunded_at', engine.models.UTCDateTime(), nullable=True),
        sa.Column('refund_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.ForeignKeyConstraint(['recorded_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dossier_id'),
        sa.UniqueConstraint('reference'),
        sa.UniqueConstraint('transaction_id'),
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_paid_at', ['paid_at'], unique=False)
    op.create_table(
        'held_transfers',
        sa.Column('id', ROW_ID, nullable=False),
        sa.Column('transaction_id', sa.String(length=64), nullable=False),
        sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('paid_at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('received_at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('payment_id', ROW_ID, nullable=True),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('transaction_id'),
    )
    with op.batch_alter_table('held_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_held_transfers_received_at', ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('held_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_held_transfers_received_at')
    op.drop_table('held_transfers')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_paid_at')
    op.drop_table('payments')
