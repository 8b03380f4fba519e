"""fee rules as data, and how each dossier's fee was computed

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 15:10:00

Dossiers get `fee_basis`, the computation behind `fee_vnd` (engine.fees); those received
before keep None. Stored fee rules, in the procedures' rows and in every version (dossiers
read theirs from their pinned version), are rewritten from the old shape into the one
engine.fee_rules checks, collected at receipt as before:

- `province_set` with `amount_vnd` becomes `flat`;
- `per_page` with `first_pages`, `first_page_vnd`, `next_page_vnd` becomes `per_page` with two
  tiers (page 1, page first_pages + 1) and the same `max_per_copy_vnd`;
- `free` with `late_registration_vnd` (birth registration) becomes `free_within_days`: 60
  days from `child_date_of_birth`, the late fee after (it was never charged before);
- `free` stays as it is (the new shape reads it alike).

The old text (`text_vi`) becomes the rule's legal basis. Downgrade writes the old shape back.
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

OLD_KEYS = {'first_pages', 'first_page_vnd', 'next_page_vnd', 'late_registration_vnd'}
versions = sa.table('procedure_versions', sa.column('id', sa.Integer),
                    sa.column('meta', sa.JSON))
procedures = sa.table('procedures', sa.column('code', sa.String), sa.column('meta', sa.JSON))


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_basis', sa.JSON(), nullable=True))
    _rewrite_rules(op.get_bind(), _new_shape)


def downgrade():
    _rewrite_rules(op.get_bind(), _old_shape)
    # Not in batch mode: SQLite (3.35 and later) drops an unindexed column in place, where a
    # batch would rebuild the table and, with foreign keys on, fail on the rows pointing at it.
    op.drop_column('dossiers', 'fee_basis')


def _rewrite_rules(connection, rewrite):
    for table, key in ((versions, versions.c.id), (procedures, procedures.c.code)):
        for ident, meta in connection.execute(sa.select(key, table.c.meta)).all():
            meta = json.loads(meta) if isinstance(meta, str) else meta
            fee = (meta or {}).get('fee')
            if not isinstance(fee, dict):
                continue
            rewritten = rewrite(fee)
            if rewritten != fee:
                connection.execute(table.update().where(key == ident)
                                   .values(meta={**meta, 'fee': rewritten}))


def _new_shape(fee):
    """Return an old-shape rule in the new shape; a new-shape rule as it is."""
    kind = fee.get('kind')
    if kind != 'province_set' and not OLD_KEYS & fee.keys():
        return fee
    texts = {key: fee[key] for key in ('text_vi', 'text_en') if key in fee}
    common = {'collect_at': 'receipt', 'legal_basis_vi': fee.get('text_vi', ''), **texts}
    if kind == 'province_set':
        return {'kind': 'flat', 'label_vi': 'Phí, lệ phí theo mức tỉnh quy định',
                'amount_vnd': int(fee.get('amount_vnd') or 0), **common}
    if kind == 'per_page':
        tiers = [{'from_page': 1, 'unit_vnd': fee['first_page_vnd']},
                 {'from_page': fee['first_pages'] + 1, 'unit_vnd': fee['next_page_vnd']}]
        return {'kind': 'per_page', 'label_vi': 'Phí chứng thực bản sao',
                'tiers': tiers if fee['first_pages'] > 0 else tiers[1:],
                'max_per_copy_vnd': fee['max_per_copy_vnd'], **common}
    if 'late_registration_vnd' in fee:
        return {'kind': 'free_within_days', 'label_vi': 'Lệ phí đăng ký khai sinh quá hạn',
                'date_field': 'child_date_of_birth', 'free_days': 60,
                'amount_vnd': int(fee['late_registration_vnd']), **common}
    return fee


def _old_shape(fee):
    """Return a new-shape rule as the code before 0020 read it."""
    texts = {key: fee[key] for key in ('text_vi', 'text_en') if key in fee}
    kind = fee.get('kind')
    if kind == 'flat':
        return {'kind': 'province_set', 'amount_vnd': fee['amount_vnd'], **texts}
    if kind == 'per_page' and 'tiers' in fee:
        first, *rest = fee['tiers']
        following = rest[0] if rest else first
        return {'kind': 'per_page', 'first_pages': following['from_page'] - 1 if rest else 0,
                'first_page_vnd': first['unit_vnd'], 'next_page_vnd': following['unit_vnd'],
                'max_per_copy_vnd': fee.get('max_per_copy_vnd', 10 ** 12), **texts}
    if kind == 'free_within_days':
        return {'kind': 'free', 'late_registration_vnd': fee['amount_vnd'], **texts}
    return fee
