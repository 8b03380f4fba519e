"""decision tables stored with each model version

Revision ID: 0023c
Revises: 0022
Create Date: 2026-12-07 18:40:00

A model's business rule tasks read DMN decision tables kept beside its BPMN. They are stored
with the model, under the same content hash, so a running dossier keeps the tables it
started with; models stored before have none.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023c'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workflow_specs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decisions', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('workflow_specs', schema=None) as batch_op:
        batch_op.drop_column('decisions')
