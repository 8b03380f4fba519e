"""documents of dossiers: components handed in and results, their bytes by SHA-256

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 15:00:00

The bytes live in the document store (MOTCUA_DOCUMENTS_DIR); each row keeps which dossier,
what the document is and how reception handled it, and the hash naming its blob. Dossiers
received before keep their typed component counters, which reports read when a dossier has
no component rows.
"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'documents',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('required_document', sa.Integer(), nullable=True),
        sa.Column('stage', sa.String(length=16), nullable=True),
        sa.Column('handling', sa.String(length=16), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('size_bytes', sa.BigInteger(), nullable=True),
        sa.Column('media_type', sa.String(length=64), nullable=True),
        sa.Column('reused_from_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=True),
        sa.Column('uploaded_at', engine.models.UTCDateTime(), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.ForeignKeyConstraint(['reused_from_id'], ['documents.id']),
        sa.ForeignKeyConstraint(['uploaded_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_dossier_kind', ['dossier_id', 'kind'], unique=False)
        batch_op.create_index('ix_documents_sha256', ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_sha256')
        batch_op.drop_index('ix_documents_dossier_kind')
    op.drop_table('documents')
