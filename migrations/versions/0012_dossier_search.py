"""dossier search by applicant name and ID number

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 09:20:00

Dossiers keep the applicant's name folded (engine.folding) and ID number in their own indexed
columns, so reception finds a dossier whose slip was lost without reading every applicant.
Existing dossiers are filled in from their applicant JSON, a batch at a time.
"""
import json

from alembic import op
import sqlalchemy as sa

from engine.folding import fold


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant_name_folded', sa.String(length=200),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('applicant_id_number', sa.String(length=12),
                                      nullable=False, server_default=''))
    _backfill(op.get_bind())
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_applicant_id_number', ['applicant_id_number'],
                              unique=False)
        batch_op.create_index('ix_dossiers_applicant_name_folded', ['applicant_name_folded'],
                              unique=False,
                              postgresql_ops={'applicant_name_folded': 'varchar_pattern_ops'})


def _backfill(connection):
    dossiers = sa.table('dossiers', sa.column('id', sa.BigInteger),
                        sa.column('applicant', sa.JSON),
                        sa.column('applicant_name_folded', sa.String),
                        sa.column('applicant_id_number', sa.String))
    update = (dossiers.update().where(dossiers.c.id == sa.bindparam('row_id'))
              .values(applicant_name_folded=sa.bindparam('name'),
                      applicant_id_number=sa.bindparam('id_number')))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(dossiers.c.id, dossiers.c.applicant).where(dossiers.c.id > last_id)
            .order_by(dossiers.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(update, [_searchable(row_id, applicant) for row_id, applicant in rows])
        last_id = rows[-1][0]


def _searchable(row_id, applicant):
    if isinstance(applicant, str):
        applicant = json.loads(applicant)
    return {'row_id': row_id, 'name': fold(applicant.get('full_name', ''))[:200],
            'id_number': applicant.get('id_number', '')[:12]}


def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_applicant_name_folded',
                            postgresql_ops={'applicant_name_folded': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_dossiers_applicant_id_number')
        batch_op.drop_column('applicant_id_number')
        batch_op.drop_column('applicant_name_folded')
