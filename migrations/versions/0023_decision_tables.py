"""decision tables stored with each model version

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 18:40:00

A model's business rule tasks read DMN decision tables kept beside its BPMN. They are stored
with the model, under the same content hash, so a running dossier keeps the tables it
started with; models stored before have none.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, no batch copy: on SQLite a copy of workflow_specs would have to drop the
# table that dossiers and versions reference. SQLite adds and (since 3.35) drops a column in
# place.
def upgrade():
    op.add_column('workflow_specs', sa.Column('decisions', sa.JSON(), nullable=True))


def downgrade():
    op.execute('ALTER TABLE workflow_specs DROP COLUMN decisions')
