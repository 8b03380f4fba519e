"""access policy: external departments, steps by department, reads of personal data

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:00:00

Departments learn whether they are an agency outside the center (`motcua init` sets the
flag from workflows/departments.json); steps get an index by department and dossier for
the access policy's list filter; staff reads of citizens' personal data get their table.
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_index('ix_human_tasks_department_dossier', 'human_tasks',
                    ['department_code', 'dossier_id'])
    op.create_table(
        'personal_data_reads',
        sa.Column('id', ROW_ID, nullable=False),
        sa.Column('occurred_at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('dossier_code', sa.String(length=64), nullable=False),
        sa.Column('view', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_personal_data_reads_dossier', 'personal_data_reads',
                    ['dossier_code', 'id'])
    op.create_index('ix_personal_data_reads_actor', 'personal_data_reads', ['actor', 'id'])
    op.create_index('ix_personal_data_reads_occurred_at', 'personal_data_reads',
                    ['occurred_at'])


def downgrade():
    op.drop_index('ix_personal_data_reads_occurred_at', table_name='personal_data_reads')
    op.drop_index('ix_personal_data_reads_actor', table_name='personal_data_reads')
    op.drop_index('ix_personal_data_reads_dossier', table_name='personal_data_reads')
    op.drop_table('personal_data_reads')
    op.drop_index('ix_human_tasks_department_dossier', table_name='human_tasks')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('external')
