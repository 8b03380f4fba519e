"""step-timing rollups and the queue of completed steps not rolled up yet

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 18:40:00

Steps completed before this revision start outside the rollups (in_rollup false): the
reports count them from human_tasks until the worker has rolled them up.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TO_ROLL_UP = "state = 'completed' AND NOT in_rollup"


def upgrade():
    op.create_table(
        'step_timing_rollups',
        sa.Column('span', sa.String(length=5), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('procedure_code', sa.String(length=32), nullable=False),
        sa.Column('step', sa.String(length=100), nullable=False),
        sa.Column('department_code', sa.String(length=32), nullable=False),
        sa.Column('counted', sa.Boolean(), nullable=False),
        sa.Column('step_name', sa.String(length=300), nullable=False),
        sa.Column('completed', sa.Integer(), nullable=False),
        sa.Column('waited_count', sa.Integer(), nullable=False),
        sa.Column('waited_sum', sa.Double(), nullable=False),
        sa.Column('worked_count', sa.Integer(), nullable=False),
        sa.Column('worked_sum', sa.Double(), nullable=False),
        sa.Column('budget_sum', sa.Double(), nullable=False),
        sa.Column('late', sa.Integer(), nullable=False),
        sa.Column('waited_histogram', sa.JSON(), nullable=False),
        sa.Column('worked_histogram', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('span', 'starts_on', 'procedure_code', 'step',
                                'department_code', 'counted'),
    )
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_rollup', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index('ix_human_tasks_to_roll_up', ['completed_at'], unique=False,
                              postgresql_where=sa.text(TO_ROLL_UP),
                              sqlite_where=sa.text(TO_ROLL_UP))


def downgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_to_roll_up', postgresql_where=sa.text(TO_ROLL_UP),
                            sqlite_where=sa.text(TO_ROLL_UP))
        batch_op.drop_column('in_rollup')
    op.drop_table('step_timing_rollups')
