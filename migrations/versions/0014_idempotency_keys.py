"""idempotency keys of dossier receipts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:45:00

A client that retries `POST /api/v1/dossiers` with the same Idempotency-Key gets the same
dossier back. Each key is kept with its user, the hash of the body it came with and the
dossier it made, for 24 hours; the worker's upkeep pass deletes older ones by created_at.
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_keys',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('body_hash', sa.String(length=64), nullable=False),
        sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('created_at', engine.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id', 'key'),
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_keys_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_keys_created_at')
    op.drop_table('idempotency_keys')
