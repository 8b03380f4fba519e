"""audit events appended unsealed and chained after commit by the sealer

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:40:00

Writers used to take the chain head inside every request; now they append events with
no place in the chain (seq, prev_hash and hash NULL) and the worker's sealer chains them
once committed. Events get an `id` in the order they were written; the sealed ones keep
their seq and hashes unchanged (id = seq), so the existing chain still verifies.
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

UNSEALED = "seq IS NULL"
SEQ = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
COLUMNS = ("occurred_at, actor, action, dossier_code, task_id, before, after, prev_hash, "
           "hash")


def upgrade():
    op.create_table(
        'audit_events_v8',
        sa.Column('id', SEQ, nullable=False),
        sa.Column('seq', SEQ, nullable=True),
        *_event_columns(sealed_nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('seq'),
    )
    op.execute(f"INSERT INTO audit_events_v8 (id, seq, {COLUMNS}) "
               f"SELECT seq, seq, {COLUMNS} FROM audit_events")
    op.drop_index('ix_audit_events_dossier', table_name='audit_events')
    op.drop_table('audit_events')
    op.rename_table('audit_events_v8', 'audit_events')
    if op.get_bind().dialect.name == 'postgresql':
        _drop_suffix('_v8', ('pkey', 'seq_key'))
        op.execute("ALTER SEQUENCE audit_events_v8_id_seq RENAME TO audit_events_id_seq")
        op.execute("SELECT setval('audit_events_id_seq', COALESCE(max(id), 0) + 1, false) "
                   "FROM audit_events")
    op.create_index('ix_audit_events_dossier', 'audit_events', ['dossier_code', 'id'])
    op.create_index('ix_audit_events_unsealed', 'audit_events', ['id'],
                    postgresql_where=sa.text(UNSEALED), sqlite_where=sa.text(UNSEALED))


def downgrade():
    unsealed = op.get_bind().execute(
        sa.text(f"SELECT count(*) FROM audit_events WHERE {UNSEALED}")).scalar()
    if unsealed:
        raise RuntimeError(f"{unsealed} audit events are not sealed yet: run `motcua audit "
                           "seal` first, then downgrade")
    op.create_table(
        'audit_events_v7',
        sa.Column('seq', SEQ, autoincrement=False, nullable=False),
        *_event_columns(sealed_nullable=False),
        sa.PrimaryKeyConstraint('seq'),
    )
    op.execute(f"INSERT INTO audit_events_v7 (seq, {COLUMNS}) "
               f"SELECT seq, {COLUMNS} FROM audit_events")
    op.drop_index('ix_audit_events_unsealed', table_name='audit_events')
    op.drop_index('ix_audit_events_dossier', table_name='audit_events')
    op.drop_table('audit_events')
    op.rename_table('audit_events_v7', 'audit_events')
    if op.get_bind().dialect.name == 'postgresql':
        _drop_suffix('_v7', ('pkey',))
    op.create_index('ix_audit_events_dossier', 'audit_events', ['dossier_code', 'seq'])


def _event_columns(*, sealed_nullable):
    return [
        sa.Column('occurred_at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('dossier_code', sa.String(length=64), nullable=True),
        sa.Column('task_id', sa.BigInteger(), nullable=True),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('prev_hash', sa.String(length=64), nullable=sealed_nullable),
        sa.Column('hash', sa.String(length=64), nullable=sealed_nullable),
    ]


def _drop_suffix(suffix, constraints):
    """Give the renamed table's constraints the names PostgreSQL gives audit_events's own."""
    for constraint in constraints:
        op.execute(f"ALTER TABLE audit_events RENAME CONSTRAINT audit_events{suffix}_{constraint} "
                   f"TO audit_events_{constraint}")
