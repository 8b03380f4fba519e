"""dossiers pinned to the procedure version they run

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 12:30:00

Each dossier records the procedure version it runs, and its deadline rules, forms and fee
rule are read from that version. Existing dossiers get the version they actually run, found
from what the engine stored:

1. a dossier moved by a designer runs the version its last `dossier.migrated` audit event
   names (`after.version`), provided that version's model is the dossier's;
2. any other dossier runs the version in force when it was received: the last one published
   at or before its receipt whose model hash is the dossier's (receipt copied the published
   version's model and metadata; the hash alone cannot tell apart versions that changed only
   the deadline or the fee, the time of publication can);
3. a dossier whose model was imported only after it was received (versions appeared in
   0005 and were recorded on the next import) runs the newest version with its model;
4. a dossier whose model no version holds gets a retired version made for it from the
   procedure's metadata, so none is left without one.

A procedure without a published version (not imported since 0005 added versions) first
gets one from its own row: receipt starts new dossiers on the published version.
"""
from contextlib import contextmanager
import json

from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

FOREIGN_KEY = 'fk_dossiers_procedure_version_id'
INDEX = 'ix_dossiers_procedure_version_id'

dossiers = sa.table('dossiers', sa.column('id', sa.BigInteger), sa.column('code', sa.String),
                    sa.column('procedure_code', sa.String), sa.column('spec_hash', sa.String),
                    sa.column('received_at', engine.models.UTCDateTime),
                    sa.column('procedure_version_id', sa.Integer))
versions = sa.table('procedure_versions', sa.column('id', sa.Integer),
                    sa.column('procedure_code', sa.String), sa.column('number', sa.Integer),
                    sa.column('state', sa.String), sa.column('spec_hash', sa.String),
                    sa.column('meta', sa.JSON), sa.column('forms', sa.JSON),
                    sa.column('author', sa.String), sa.column('change_note', sa.Text),
                    sa.column('created_at', engine.models.UTCDateTime),
                    sa.column('published_at', engine.models.UTCDateTime),
                    sa.column('retired_at', engine.models.UTCDateTime))
procedures = sa.table('procedures', sa.column('code', sa.String),
                      sa.column('spec_hash', sa.String), sa.column('meta', sa.JSON),
                      sa.column('updated_at', engine.models.UTCDateTime))
events = sa.table('audit_events', sa.column('seq', sa.BigInteger),
                  sa.column('action', sa.String), sa.column('dossier_code', sa.String),
                  sa.column('after', sa.JSON))


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('procedure_version_id', sa.Integer(), nullable=True))
    connection = op.get_bind()
    _publish_unversioned_procedures(connection)
    _pin_to_migration_targets(connection)
    _pin_to_versions_in_force(connection)
    _pin_to_newest_with_model(connection)
    if _unpinned(connection):
        _make_missing_versions(connection)
        _pin_to_newest_with_model(connection)
    with _referencing_rows_kept(), op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.alter_column('procedure_version_id', existing_type=sa.Integer(),
                              nullable=False)
        batch_op.create_foreign_key(FOREIGN_KEY, 'procedure_versions',
                                    ['procedure_version_id'], ['id'])
        batch_op.create_index(INDEX, ['procedure_version_id'], unique=False)


def _publish_unversioned_procedures(connection):
    """Record the published version of a procedure that has none, from its own row.

    Versions arrived in 0005 without being filled in; a procedure not imported since has
    none, and receipt now starts dossiers on the published version.
    """
    versioned = sa.select(versions.c.procedure_code).where(versions.c.state == 'published')
    for code, spec_hash, meta, updated_at in connection.execute(
            sa.select(procedures.c.code, procedures.c.spec_hash, procedures.c.meta,
                      procedures.c.updated_at)
            .where(procedures.c.code.not_in(versioned)).order_by(procedures.c.code)).all():
        _add_version(connection, code=code, state='published', spec_hash=spec_hash,
                     meta=meta, published_at=updated_at, retired_at=None,
                     change_note='recorded on upgrade from the procedure as published')


def _pin_to_migration_targets(connection):
    """Pin each dossier a designer moved to the version its last move names."""
    moved = {}
    for code, after in connection.execute(
            sa.select(events.c.dossier_code, events.c.after)
            .where(events.c.action == 'dossier.migrated').order_by(events.c.seq)):
        after = json.loads(after) if isinstance(after, str) else after
        if isinstance((after or {}).get('version'), int):
            moved[code] = after['version']
    for code, number in moved.items():
        target = (sa.select(versions.c.id)
                  .where(versions.c.procedure_code == dossiers.c.procedure_code,
                         versions.c.number == number,
                         versions.c.spec_hash == dossiers.c.spec_hash)
                  .scalar_subquery())
        connection.execute(dossiers.update().where(dossiers.c.code == code)
                           .values(procedure_version_id=target))


def _pin_to_versions_in_force(connection):
    """Pin the others to the last version with their model published by their receipt."""
    in_force = (sa.select(versions.c.id)
                .where(versions.c.procedure_code == dossiers.c.procedure_code,
                       versions.c.spec_hash == dossiers.c.spec_hash,
                       versions.c.published_at.is_not(None),
                       versions.c.published_at <= dossiers.c.received_at)
                .order_by(versions.c.published_at.desc(), versions.c.number.desc())
                .limit(1).scalar_subquery())
    connection.execute(dossiers.update().where(dossiers.c.procedure_version_id.is_(None))
                       .values(procedure_version_id=in_force))


def _pin_to_newest_with_model(connection):
    """Pin what is left to the newest version of their procedure with their model."""
    newest = (sa.select(versions.c.id)
              .where(versions.c.procedure_code == dossiers.c.procedure_code,
                     versions.c.spec_hash == dossiers.c.spec_hash)
              .order_by(versions.c.number.desc()).limit(1).scalar_subquery())
    connection.execute(dossiers.update().where(dossiers.c.procedure_version_id.is_(None))
                       .values(procedure_version_id=newest))


def _unpinned(connection):
    return connection.scalar(sa.select(sa.func.count()).select_from(dossiers)
                             .where(dossiers.c.procedure_version_id.is_(None)))


def _make_missing_versions(connection):
    """Record a retired version for each model dossiers run that no version holds."""
    missing = connection.execute(
        sa.select(dossiers.c.procedure_code, dossiers.c.spec_hash,
                  sa.func.min(dossiers.c.received_at))
        .where(dossiers.c.procedure_version_id.is_(None))
        .group_by(dossiers.c.procedure_code, dossiers.c.spec_hash)
        .order_by(dossiers.c.procedure_code, sa.func.min(dossiers.c.received_at))).all()
    for code, spec_hash, first_received in missing:
        meta, updated_at = connection.execute(
            sa.select(procedures.c.meta, procedures.c.updated_at)
            .where(procedures.c.code == code)).one()
        _add_version(connection, code=code, state='retired', spec_hash=spec_hash, meta=meta,
                     published_at=first_received, retired_at=updated_at,
                     change_note='recorded on upgrade for dossiers whose model no version '
                                 'held; the metadata is the procedure\'s at the upgrade')


def _add_version(connection, *, code, state, spec_hash, meta, published_at, retired_at,
                 change_note):
    number = (connection.scalar(sa.select(sa.func.max(versions.c.number))
                                .where(versions.c.procedure_code == code)) or 0) + 1
    connection.execute(versions.insert().values(
        procedure_code=code, number=number, state=state, spec_hash=spec_hash,
        meta=json.loads(meta) if isinstance(meta, str) else meta, forms={},
        author='migration 0015', change_note=change_note,
        created_at=published_at, published_at=published_at, retired_at=retired_at))


@contextmanager
def _referencing_rows_kept():
    """On SQLite, rebuild the dossiers table with foreign keys off, as SQLite asks.

    SQLite adds NOT NULL and REFERENCES only by copying the table and dropping the old one;
    with foreign keys on, the drop would first delete every row other tables point at. The
    pragma works only between transactions, hence the autocommit blocks; what the copy
    changed is checked before the keys are on again.
    """
    if op.get_bind().dialect.name != 'sqlite':
        yield
        return
    context = op.get_context()
    with context.autocommit_block():
        op.execute('PRAGMA foreign_keys=OFF')
    try:
        yield
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f'rows point at missing rows after the rebuild: {broken[:5]}')
    finally:
        with context.autocommit_block():
            op.execute('PRAGMA foreign_keys=ON')


def downgrade():
    with _referencing_rows_kept(), op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_constraint(FOREIGN_KEY, type_='foreignkey')
        batch_op.drop_column('procedure_version_id')
