// "Nhập mô hình": a model drawn in bpmn.io or Camunda Modeler, converted by the API
// (POST procedures/import, nothing stored), its report and check shown; when not refused, a
// procedure is created (POST procedures) and its draft v1 replaced by the converted model.
import { bilingual, el, failure, row, status } from './dom.js';

const KINDS = {
  changed: ['Đã chuyển đổi', 'changed'],
  decide: ['Cần xem lại', 'to decide'],
  refused: ['Không chạy được', 'refused'],
};
const SEVERITIES = { error: 'Lỗi', warning: 'Cảnh báo' };
const CAMUNDA = 'http://camunda.org/schema/1.0/bpmn';
const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

/** The process id and name, and every group, assignee and lane the model hands work to. */
export function readModel(text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.querySelector('parsererror')) return null;
  const process = doc.getElementsByTagNameNS(BPMN, 'process')[0];
  const holders = new Set();
  for (const node of doc.getElementsByTagNameNS(BPMN, 'userTask')) {
    const groups = node.getAttributeNS(CAMUNDA, 'candidateGroups') || '';
    const assignee = node.getAttributeNS(CAMUNDA, 'assignee') || '';
    for (const name of [...groups.split(','), assignee]) {
      if (name.trim() && !name.includes('${')) holders.add(name.trim());
    }
  }
  for (const lane of doc.getElementsByTagNameNS(BPMN, 'lane')) {
    if (lane.getAttribute('name')?.trim()) holders.add(lane.getAttribute('name').trim());
  }
  return { id: process?.getAttribute('id') || '', name: process?.getAttribute('name') || '',
    holders: [...holders].sort() };
}

function located(line, element) {
  return [line ? `dòng ${line}` : '', element || ''].filter(Boolean).join(' · ') || '—';
}

export function createImportDialog({ getClient, departments }) {
  const line = el('div', { class: 'ed-status', role: 'status', 'data-testid': 'import-status' });
  const file = el('input', { type: 'file', accept: '.bpmn,.xml', required: true,
    'data-testid': 'import-file', onchange: chooseFile });
  const code = el('input', { type: 'text', required: true, 'data-testid': 'import-code' });
  const nameVi = el('input', { type: 'text', required: true, 'data-testid': 'import-name-vi' });
  const nameEn = el('input', { type: 'text', 'data-testid': 'import-name-en' });
  const department = el('select', { required: true, 'data-testid': 'import-department' });
  const timers = el('select', { 'data-testid': 'import-timers' },
    el('option', { value: 'calendar' }, 'Ngày lịch (calendar time)'),
    el('option', { value: 'working' }, 'Ngày làm việc (working time)'));
  const mapping = el('div', { class: 'ed-mapping', 'data-testid': 'import-mapping' });
  const report = el('div', { class: 'ed-report', 'data-testid': 'import-report' });
  const create = el('button', { type: 'button', 'data-testid': 'import-create', hidden: true,
    onclick: createProcedure }, ...bilingual('Tạo thủ tục từ mô hình này', 'create the procedure'));
  const form = el('form', { method: 'dialog', class: 'ed-dialog-form', onsubmit: convert },
    el('h2', {}, ...bilingual('Nhập mô hình (bpmn.io / Camunda)', 'import a model')),
    el('p', { class: 'hint' }, ...bilingual('Mô hình được chuyển đổi và kiểm tra; chưa lưu gì '
      + 'cho đến khi bấm "Tạo thủ tục".', 'converted and checked; nothing stored until created')),
    row(bilingual('Tệp BPMN', 'BPMN file'), file),
    row(bilingual('Mã thủ tục', 'code'), code),
    row(bilingual('Tên tiếng Việt', 'Vietnamese name'), nameVi),
    row(bilingual('Tên tiếng Anh', 'English name'), nameEn),
    row(bilingual('Bộ phận giải quyết', 'department'), department),
    row(bilingual('Thời hạn trong mô hình tính theo', 'timers read as'), timers),
    mapping,
    el('div', { class: 'ed-actions' },
      el('button', { type: 'submit', 'data-testid': 'import-convert' },
        ...bilingual('Chuyển đổi', 'convert')),
      el('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() },
        ...bilingual('Đóng', 'close'))),
    line, report, create);
  const dialog = el('dialog', { class: 'ed-dialog ed-import', 'data-testid': 'import-dialog' }, form);
  document.body.append(dialog);

  let text = '';
  let fileName = '';
  let converted = null;
  let departmentOptions = [];

  function forget() {
    converted = null;
    create.hidden = true;
    report.replaceChildren();
  }
  for (const input of [code, nameVi, department, timers]) input.addEventListener('change', forget);

  async function chooseFile() {
    forget();
    const chosen = file.files[0];
    if (!chosen) return;
    fileName = chosen.name;
    text = await chosen.text();
    const model = readModel(text);
    if (!model) {
      mapping.replaceChildren();
      status(line, 'error', ...bilingual('Tệp không phải XML hợp lệ.', 'not well-formed XML'));
      return;
    }
    status(line, 'info', '');
    if (!code.value) code.value = model.id;
    if (!nameVi.value) nameVi.value = model.name;
    mapping.replaceChildren(...(model.holders.length ? [
      el('h3', {}, ...bilingual('Nhóm, người xử lý và làn → bộ phận', 'groups → departments')),
      ...model.holders.map((holder) => row([holder], el('select', {
        dataset: { holder }, 'data-testid': `import-map-${holder}`, onchange: forget,
      }, el('option', { value: '' }, '— theo bộ phận giải quyết —'), ...departmentOptions.map(
        ([value, label]) => el('option', { value }, label))))),
    ] : []));
  }

  function body() {
    const map = Object.fromEntries([...mapping.querySelectorAll('select')]
      .filter((select) => select.value).map((select) => [select.dataset.holder, select.value]));
    return { bpmn_xml: text, code: code.value.trim(), name_vi: nameVi.value.trim(),
      department: department.value, map, timers: timers.value };
  }

  async function convert(event) {
    event.preventDefault();
    forget();
    if (!text) {
      status(line, 'error', ...bilingual('Chọn tệp BPMN trước.', 'choose a file'));
      return;
    }
    status(line, 'info', ...bilingual('Đang chuyển đổi…', 'converting'));
    try {
      converted = await getClient().request('POST', 'procedures/import', body());
    } catch (err) {
      status(line, 'error', failure(err));
      return;
    }
    showReport(converted);
    create.hidden = converted.refused;
    status(line, converted.refused ? 'error' : 'ok', ...(converted.refused
      ? bilingual('Mô hình còn phần không chạy được: sửa trong tệp gốc rồi nhập lại.', 'refused')
      : bilingual('Đã chuyển đổi. Xem báo cáo rồi tạo thủ tục.', 'converted')));
  }

  function showReport({ entries, problems }) {
    const counts = Object.fromEntries(Object.keys(KINDS).map((kind) => [kind,
      entries.filter((entry) => entry.kind === kind).length]));
    report.replaceChildren(
      el('h3', {}, ...bilingual(`Báo cáo chuyển đổi: ${counts.changed} đã chuyển đổi, `
        + `${counts.decide} cần xem lại, ${counts.refused} không chạy được`, 'conversion report')),
      entries.length ? el('table', { class: 'ed-table', 'data-testid': 'import-entries' },
        el('thead', {}, el('tr', {}, ...['Loại', 'Vị trí', 'Nội dung', 'Cần làm']
          .map((head) => el('th', {}, head)))),
        el('tbody', {}, ...entries.map((entry) => el('tr', {
          class: `kind-${entry.kind}`, 'data-testid': 'import-entry', dataset: { kind: entry.kind },
        }, el('td', {}, ...bilingual(...KINDS[entry.kind])),
        el('td', { 'data-testid': 'import-entry-where' }, located(entry.line, entry.element)),
        el('td', {}, entry.message), el('td', {}, entry.action || '')))))
        : el('p', { class: 'hint' }, ...bilingual('Không có gì phải đổi.', 'nothing changed')),
      el('h3', {}, ...bilingual(`Kiểm tra mô hình đã chuyển đổi: ${problems.length} vấn đề`,
        'check of the converted model')),
      el('ul', { 'data-testid': 'import-problems' }, ...problems.map((problem) => el('li', {
        class: problem.severity, 'data-testid': 'import-problem',
      }, `${SEVERITIES[problem.severity] || problem.severity} · ${located(problem.line,
        problem.element)}: ${problem.message}`))));
  }

  async function createProcedure() {
    const procedure = body().code;
    const meta = { ...converted.meta, name_en: nameEn.value.trim() || converted.meta.name_en };
    const { working_days: workingDays = 0, same_day: sameDay = false } = meta.deadline || {};
    status(line, 'info', ...bilingual('Đang tạo…', 'creating'));
    try {
      // The procedure is drawn from the generic pattern, then its draft v1 becomes the model.
      const draft = await getClient().request('POST', 'procedures', {
        code: procedure, name_vi: meta.name_vi, name_en: meta.name_en, department: meta.department,
        working_days: workingDays, same_day: sameDay, pattern: 'generic' });
      await getClient().request('PUT', `procedures/${encodeURIComponent(procedure)}/versions/`
        + `${draft.number}`, { bpmn_xml: converted.bpmn_xml, meta, forms: converted.forms,
        change_note: `Nhập từ ${fileName}` });
    } catch (err) {
      status(line, 'error', failure(err));
      return;
    }
    dialog.close();
    document.dispatchEvent(new CustomEvent('motcua:open-procedure', { detail: { code: procedure } }));
  }

  return {
    async open() {
      status(line, 'info', '');
      if (!getClient()) return;
      try {
        const own = (await departments()).filter((d) => !d.external);
        departmentOptions = own.map((d) => [d.code, `${d.code} — ${d.name_vi}`]);
        department.replaceChildren(...departmentOptions.map(([value, label]) =>
          el('option', { value }, label)));
      } catch (err) {
        status(line, 'error', failure(err));
      }
      dialog.showModal();
      file.focus();
    },
  };
}
