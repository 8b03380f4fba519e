// The "Thông tin thủ tục" tab: names, statutory deadline, cut-off, fee rule, required
// documents and responsible department of the open version, saved with the draft. The
// server's problems about the metadata (element `meta.<key>`) are shown on their fields.
import { bilingual, el, failure, row, status } from './dom.js';

// The fee rule kinds engine/fee_rules.py knows, and the fields each needs.
const FEE_KINDS = {
  free: { label: 'Miễn phí (free)', needs: [] },
  flat: { label: 'Mức cố định (flat amount)', needs: ['label_vi', 'amount_vnd'] },
  per_page: { label: 'Theo trang (per page)', needs: ['label_vi', 'tiers', 'max_per_copy_vnd'] },
  free_within_days: {
    label: 'Miễn phí trong hạn, thu khi quá hạn (free within days)',
    needs: ['label_vi', 'date_field', 'free_days', 'amount_vnd'],
  },
};
const FEE_COMMON = ['kind', 'collect_at', 'legal_basis_vi', 'text_vi', 'text_en', 'exemptions'];
const COLLECT_AT = {
  receipt: 'Khi tiếp nhận (at receipt)',
  supplement: 'Khi bổ sung (at supplement)',
  return: 'Khi trả kết quả (at return)',
};

const clone = (value) => structuredClone(value);
const intOrNull = (text) => (text.trim() === '' ? null : Number(text));

export function createMetaEditor(root, { departments }) {
  const state = { ctx: null, meta: null, notice: null };
  const line = el('div', { class: 'ed-status', role: 'status', 'data-testid': 'meta-status' });
  const body = el('div', { class: 'ed-meta', 'data-testid': 'meta-form' });
  root.append(line, body);

  function input(type, value, attrs = {}) {
    return el('input', { type, value: value ?? '', ...attrs });
  }

  async function setVersion(ctx) {
    state.ctx = ctx;
    if (!ctx.version) {
      body.replaceChildren(el('p', { class: 'hint' }, ...bilingual(
        'Lưu nháp thủ tục mới trước khi sửa thông tin.', 'save the new procedure first')));
      return;
    }
    state.meta = clone(ctx.version.meta || {});
    await render();
    const notice = state.notice?.number === ctx.version.number ? state.notice : null;
    if (notice) show(notice);
    else status(line, 'info', '');
  }

  async function render() {
    const { meta } = state;
    const deadline = meta.deadline || {};
    const fee = meta.fee || { kind: 'free' };
    const set = (path) => (event) => {
      const target = event.target;
      const value = target.type === 'checkbox' ? target.checked
        : target.type === 'number' ? intOrNull(target.value) : target.value;
      let node = meta;
      for (const part of path.slice(0, -1)) node = node[part] ??= {};
      const last = path[path.length - 1];
      if (value === null || value === '') delete node[last];
      else node[last] = value;
    };

    const department = el('select', { 'data-testid': 'meta-department', onchange: set(['department']) },
      ...(await departments()).filter((d) => !d.external).map((d) => el('option', {
        value: d.code, selected: d.code === meta.department }, `${d.code} — ${d.name_vi}`)));
    department.value = meta.department || '';

    const sameDay = input('checkbox', '', { checked: Boolean(deadline.same_day),
      'data-testid': 'meta-same-day', onchange: set(['deadline', 'same_day']) });
    const cutoff = input('time', deadline.cutoff || '', { 'data-testid': 'meta-cutoff',
      onchange: (event) => {
        state.meta.deadline ??= {};
        state.meta.deadline.cutoff = event.target.value || null;
      } });

    body.replaceChildren(
      el('fieldset', {}, el('legend', {}, ...bilingual('Tên thủ tục', 'names')),
        row(bilingual('Tên tiếng Việt', 'Vietnamese'), el('textarea', { rows: 2,
          'data-testid': 'meta-name-vi', oninput: set(['name_vi']) }, meta.name_vi || ''), 'name_vi'),
        row(bilingual('Tên tiếng Anh', 'English'), el('textarea', { rows: 2,
          'data-testid': 'meta-name-en', oninput: set(['name_en']) }, meta.name_en || ''), 'name_en'),
        row(bilingual('Bộ phận chịu trách nhiệm', 'responsible department'), department, 'department')),
      el('fieldset', { dataset: { key: 'deadline' }, class: 'ed-keyed' },
        el('legend', {}, ...bilingual('Thời hạn giải quyết', 'statutory deadline')),
        el('div', { class: 'ed-problems' }),
        row(bilingual('Số ngày làm việc', 'working days'), input('number',
          deadline.working_days, { min: 0, step: 'any', 'data-testid': 'meta-working-days',
            onchange: set(['deadline', 'working_days']) })),
        el('label', { class: 'ed-check' }, sameDay, ' ', ...bilingual('Giải quyết trong ngày', 'same day')),
        row(bilingual('Giờ tiếp nhận muộn nhất trong ngày (HH:mm)', 'cut-off'), cutoff),
        row(bilingual('Thời hạn như niêm yết', 'as posted'), el('textarea', { rows: 2,
          oninput: set(['deadline', 'text_vi']) }, deadline.text_vi || ''))),
      feeEditor(fee),
      documentsEditor(meta.required_documents || []),
      el('div', { class: 'ed-actions' }, el('button', { type: 'button', 'data-testid': 'save-meta',
        onclick: save }, ...bilingual('Lưu thông tin vào bản nháp', 'save with the draft'))),
    );
  }

  function feeEditor(fee) {
    state.meta.fee = fee;
    const box = el('fieldset', { dataset: { key: 'fee' }, class: 'ed-keyed', 'data-testid': 'meta-fee' },
      el('legend', {}, ...bilingual('Phí, lệ phí', 'fee rule')), el('div', { class: 'ed-problems' }));
    const text = (name, label, rows = 1) => row(label, rows > 1
      ? el('textarea', { rows, oninput: (e) => { fee[name] = e.target.value; } }, fee[name] || '')
      : input('text', fee[name], { oninput: (e) => { fee[name] = e.target.value; } }));
    const money = (name, label) => row(label, input('number', fee[name], { min: 0, step: 1,
      'data-testid': `fee-${name}`,
      onchange: (e) => { if (e.target.value === '') delete fee[name]; else fee[name] = Number(e.target.value); } }));
    const kind = el('select', { 'data-testid': 'fee-kind', onchange: () => {
      fee.kind = kind.value;
      // Keep only what the new kind reads: the engine refuses fields a rule does not have.
      for (const name of Object.keys(fee)) {
        if (!FEE_COMMON.includes(name) && !FEE_KINDS[fee.kind].needs.includes(name)) delete fee[name];
      }
      box.replaceWith(feeEditor(fee));
    } }, ...Object.entries(FEE_KINDS).map(([value, { label }]) => el('option', { value }, label)));
    kind.value = fee.kind;
    const collect = el('select', { onchange: () => { fee.collect_at = collect.value; } },
      ...Object.entries(COLLECT_AT).map(([value, label]) => el('option', { value }, label)));
    collect.value = fee.collect_at || 'receipt';
    box.append(row(bilingual('Loại', 'kind'), kind));
    const needs = FEE_KINDS[fee.kind]?.needs || [];
    if (fee.kind !== 'free') box.append(row(bilingual('Thu khi', 'collected'), collect));
    if (needs.includes('label_vi')) box.append(text('label_vi', bilingual('Tên khoản thu', 'label')));
    if (needs.includes('amount_vnd')) box.append(money('amount_vnd', bilingual('Số tiền (đồng)', 'amount, VND')));
    if (needs.includes('tiers')) box.append(tiersEditor(fee));
    if (needs.includes('max_per_copy_vnd')) {
      box.append(money('max_per_copy_vnd', bilingual('Tối đa mỗi bản (đồng)', 'cap per copy')));
    }
    if (needs.includes('date_field')) box.append(text('date_field', bilingual('Trường ngày của tờ khai', 'intake date field')));
    if (needs.includes('free_days')) box.append(money('free_days', bilingual('Số ngày miễn phí', 'free days')));
    box.append(
      text('legal_basis_vi', bilingual('Căn cứ pháp lý', 'legal basis'), 2),
      text('text_vi', bilingual('Nội dung niêm yết', 'rule text, Vietnamese'), 2),
      text('text_en', bilingual('Nội dung tiếng Anh', 'rule text, English'), 2));
    return box;
  }

  function tiersEditor(fee) {
    fee.tiers ??= [{ from_page: 1, unit_vnd: 0 }];
    const list = el('ol', { class: 'ed-tiers' });
    const draw = () => list.replaceChildren(...fee.tiers.map((tier, index) => el('li', {},
      'Từ trang ', input('number', tier.from_page, { min: 1, step: 1, 'aria-label': 'from page',
        onchange: (e) => { tier.from_page = Number(e.target.value); } }),
      ' giá mỗi trang ', input('number', tier.unit_vnd, { min: 0, step: 1, 'aria-label': 'VND per page',
        onchange: (e) => { tier.unit_vnd = Number(e.target.value); } }), ' đồng ',
      el('button', { type: 'button', class: 'secondary', onclick: () => { fee.tiers.splice(index, 1); draw(); } }, '✕'))));
    draw();
    return el('div', { class: 'ed-row' }, el('span', {}, ...bilingual('Bậc giá theo trang', 'page tiers')), list,
      el('button', { type: 'button', onclick: () => {
        const last = fee.tiers[fee.tiers.length - 1];
        fee.tiers.push({ from_page: (last?.from_page || 0) + 1, unit_vnd: last?.unit_vnd || 0 });
        draw();
      } }, ...bilingual('Thêm bậc', 'add tier')));
  }

  function documentsEditor(documents) {
    state.meta.required_documents = documents;
    const list = el('ol', { class: 'ed-documents', 'data-testid': 'meta-documents' });
    const draw = () => list.replaceChildren(...documents.map((doc, index) => el('li', {},
      el('textarea', { rows: 2, 'aria-label': 'Tên giấy tờ (name)', oninput: (e) => { doc.name_vi = e.target.value; } },
        doc.name_vi || ''),
      el('label', { class: 'ed-check' }, input('checkbox', '', { checked: Boolean(doc.original),
        onchange: (e) => { doc.original = e.target.checked; } }), ' Bản chính (original)'),
      el('label', {}, 'Số bản sao (copies) ', input('number', doc.copies ?? 0, { min: 0, step: 1,
        onchange: (e) => { doc.copies = Number(e.target.value); } })),
      el('button', { type: 'button', class: 'secondary', onclick: () => { documents.splice(index, 1); draw(); } }, '✕'))));
    draw();
    return el('fieldset', { dataset: { key: 'required_documents' }, class: 'ed-keyed' },
      el('legend', {}, ...bilingual('Thành phần hồ sơ', 'required documents')),
      el('div', { class: 'ed-problems' }), list,
      el('button', { type: 'button', onclick: () => {
        documents.push({ name_vi: '', name_en: '', original: false, copies: 1 });
        draw();
      } }, ...bilingual('Thêm giấy tờ', 'add document')));
  }

  function show(notice) {
    status(line, notice.kind, ...notice.message);
    for (const box of body.querySelectorAll('.ed-problems')) box.replaceChildren();
    for (const problem of notice.problems) {
      const key = (problem.element || 'meta').split('.')[1];
      const target = body.querySelector(`[data-key="${key}"] .ed-problems`) || line;
      target.append(el('p', { class: `problem ${problem.severity || 'error'}`,
        'data-testid': `meta-problem-${key || 'meta'}` }, problem.message));
    }
  }

  async function save() {
    const { ctx } = state;
    const meta = clone(state.meta);
    if (meta.deadline && !meta.deadline.cutoff) meta.deadline.cutoff = null;
    status(line, 'info', ...bilingual('Đang lưu…', 'saving'));
    try {
      const saved = await ctx.save({ meta, ...(ctx.version.state === 'draft' ? {}
        : { change_note: 'Sửa thông tin thủ tục trong trang thiết kế' }) });
      const problems = (saved?.problems || []).filter((p) => (p.element || '').startsWith('meta'));
      state.notice = {
        number: saved?.number,
        kind: problems.length ? 'error' : 'ok',
        message: bilingual(problems.length ? `Đã lưu v${saved?.number}, còn ${problems.length} lỗi`
          : `Đã lưu thông tin thủ tục vào bản nháp v${saved?.number}`, 'metadata saved'),
        problems,
      };
      if (state.ctx.version?.number === saved?.number) show(state.notice);
    } catch (err) {
      status(line, 'error', failure(err));
    }
  }

  function focus(element) {
    const key = element.split('.')[1];
    body.querySelector(`[data-key="${key}"]`)?.scrollIntoView({ block: 'center' });
    body.querySelector(`[data-key="${key}"] input, [data-key="${key}"] select, [data-key="${key}"] textarea`)?.focus();
  }

  return { setVersion, focus };
}
