"""keyed PIN hashes and the public lookup's rate-limit counters

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 08:30:00

PINs were stored as sha256(code:pin), which a stolen table gives away in a million tries.
They are now HMAC-SHA256(secret key, sha256(code:pin)): the stored digests are wrapped in
place with the application's MOTCUA_SECRET_KEY, so old and new dossiers share one format.
The counters table holds the public lookup's fixed-window rate limits when Redis is not used.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

import engine.models
from engine.codes import wrap_pin_digest


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', engine.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_counters_expires_at', ['expires_at'], unique=False)
    _key_pins()


def downgrade():
    # A keyed hash cannot be unkeyed: the PINs stay keyed, and the older code, which checks
    # plain hashes, answers 404 to lookups until the database is upgraded again.
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limit_counters_expires_at')
    op.drop_table('rate_limit_counters')


def _key_pins() -> None:
    key = current_app.config["MOTCUA_SECRET_KEY"].encode()
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, pin_hash FROM dossiers ORDER BY id")).all()
    update = sa.text("UPDATE dossiers SET pin_hash = :pin_hash WHERE id = :id")
    for start in range(0, len(rows), BATCH):
        bind.execute(update, [{"id": row.id, "pin_hash": wrap_pin_digest(row.pin_hash, secret_key=key)}
                              for row in rows[start:start + BATCH]])
