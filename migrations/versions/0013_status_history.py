"""status history of dossiers, backfilled from the audit trail

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 11:30:00

Every change of a dossier's status becomes a row (from, to, at, by), so reports read what a
dossier's status was at the end of a past period. Existing dossiers get theirs from the audit
trail, in one INSERT ... SELECT: `dossier.received` (the first status, from none),
`dossier.status_changed` and `dossier.closed` (from `before`, to `after`), at the event's
time, by the user named as its actor (none for the scheduler).
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

STATUS_ACTIONS = ('dossier.received', 'dossier.status_changed', 'dossier.closed')


def upgrade():
    op.create_table(
        'dossier_status_changes',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('from_status', sa.Integer(), nullable=True),
        sa.Column('to_status', sa.Integer(), nullable=False),
        sa.Column('at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.ForeignKeyConstraint(['by_user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _backfill(op.get_bind())
    with op.batch_alter_table('dossier_status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_status_changes_dossier_at', ['dossier_id', 'at'],
                              unique=False)
        batch_op.create_index('ix_dossier_status_changes_at', ['at'], unique=False)


def _backfill(connection):
    events = sa.table('audit_events', sa.column('id', sa.BigInteger),
                      sa.column('occurred_at', sa.DateTime), sa.column('actor', sa.String),
                      sa.column('action', sa.String), sa.column('dossier_code', sa.String),
                      sa.column('before', sa.JSON), sa.column('after', sa.JSON))
    dossiers = sa.table('dossiers', sa.column('id', sa.BigInteger), sa.column('code', sa.String))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('username', sa.String))
    changes = sa.table('dossier_status_changes', sa.column('dossier_id', sa.BigInteger),
                       sa.column('from_status', sa.Integer), sa.column('to_status', sa.Integer),
                       sa.column('at', sa.DateTime), sa.column('by_user_id', sa.Integer))
    from_status = sa.case((events.c.action == 'dossier.received', sa.null()),
                          else_=events.c.before['status'].as_integer())
    rows = (sa.select(dossiers.c.id, from_status, events.c.after['status'].as_integer(),
                      events.c.occurred_at, users.c.id)
            .select_from(events)
            .join(dossiers, dossiers.c.code == events.c.dossier_code)
            .outerjoin(users, users.c.username == events.c.actor)
            .where(events.c.action.in_(STATUS_ACTIONS))
            .order_by(events.c.id))
    connection.execute(changes.insert().from_select(
        ['dossier_id', 'from_status', 'to_status', 'at', 'by_user_id'], rows))


def downgrade():
    with op.batch_alter_table('dossier_status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_status_changes_at')
        batch_op.drop_index('ix_dossier_status_changes_dossier_at')
    op.drop_table('dossier_status_changes')
