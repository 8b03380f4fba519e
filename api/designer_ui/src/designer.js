// The process designer: open a procedure's BPMN model, edit it and the engine's properties
// of its elements in the panel, save a draft, see its problems on the diagram (each one click
// from the entry that fixes it), diff it against the published version and publish it.
// The editors (static/editors/) hear of the open version through DOM events on `document`.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import { ApiError, createClient } from '../static/api.js';
import { fixOf, isEditorsProblem } from './problems.js';
import MotcuaPropertiesProviderModule from './provider.js';
import spiffworkflow from './spiffworkflow.json';
import { lists } from './vocabulary.js';

const PROBLEM_OVERLAY = 'motcua-problem';
const MARKERS = { error: 'motcua-problem-error', warning: 'motcua-problem-warning' };

const $ = (id) => document.getElementById(id);
const ui = {
  procedureList: $('procedure-list'),
  proceduresEmpty: $('procedures-empty'),
  procedureTitle: $('procedure-title'),
  versionSelect: $('version-select'),
  dirtyFlag: $('dirty-flag'),
  changeNote: $('change-note'),
  saveDraft: $('save-draft'),
  validate: $('validate'),
  showDiff: $('show-diff'),
  publish: $('publish'),
  decisionTables: $('decision-tables'),
  status: $('status'),
  validationResult: $('validation-result'),
  problemList: $('problem-list'),
  diff: $('diff'),
  canvas: $('canvas'),
  properties: $('properties'),
};

const state = {
  procedure: null, // {code, name_vi, ...}
  versions: [], // as listed by the API, any order
  number: null, // the version open in the modeler
  version: null, // its VersionSchema JSON (meta, forms, ...)
  dirty: false, // edited since opened or saved
  revision: 0, // counts edits, so an edit made while a save is under way stays unsaved
  busy: false,
  marked: [], // [elementId, markerClass] pairs currently on the canvas
};

const api = createClient(document.querySelector('meta[name="csrf-token"]').content);
const modeler = new BpmnModeler({
  container: ui.canvas,
  propertiesPanel: { parent: '#properties' },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
    MotcuaPropertiesProviderModule],
  moddleExtensions: { spiffworkflow },
});

// Tests and curious designers reach the modeler here.
window.motcuaDesigner = { modeler, state };

// ---- small DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function bilingual(vi, en) {
  return [vi, ' ', el('span', { class: 'en' }, `(${en})`)];
}

function setStatus(kind, ...content) {
  ui.status.className = `status ${kind}`;
  ui.status.dataset.kind = kind;
  delete ui.status.dataset.published;
  ui.status.replaceChildren(...content.flat());
}

function showError(err) {
  if (err instanceof ApiError && err.status === 401) {
    // The session ended (idle, signed out elsewhere): sign in again and come back here.
    window.location.assign(`/dang-nhap?next=${encodeURIComponent(window.location.pathname)}`);
    return;
  }
  const code = err instanceof ApiError ? ` [${err.status} ${err.code}]` : '';
  const fields = (err.details && Array.isArray(err.details.fields) ? err.details.fields : [])
    .map((f) => ` ${f.field}: ${f.message}`);
  setStatus('error', ...bilingual('Lỗi', 'error'), `${code}: ${err.message}`, ...fields);
}

// ---- versions

function findVersion(number) {
  return state.versions.find((v) => v.number === number) || null;
}

function publishedVersion() {
  return state.versions.find((v) => v.state === 'published') || null;
}

/** Open the draft newer than the published version if there is one, else the published one. */
function versionToOpen() {
  const published = publishedVersion();
  const newerDrafts = state.versions
    .filter((v) => v.state === 'draft' && (!published || v.number > published.number))
    .sort((a, b) => b.number - a.number);
  if (newerDrafts.length) return newerDrafts[0];
  if (published) return published;
  return [...state.versions].sort((a, b) => b.number - a.number)[0] || null;
}

const STATE_LABELS = {
  draft: 'nháp (draft)', published: 'đã công bố (published)', retired: 'đã thay thế (retired)',
};

function renderVersions() {
  const options = [...state.versions].sort((a, b) => b.number - a.number).map((v) => {
    const note = v.change_note ? ` — ${v.change_note}` : '';
    return el('option', { value: String(v.number) },
      `v${v.number} · ${STATE_LABELS[v.state] || v.state}${note}`);
  });
  ui.versionSelect.replaceChildren(...options);
  if (state.number !== null) ui.versionSelect.value = String(state.number);
}

async function refreshVersions() {
  state.versions = await api.listVersions(state.procedure.code);
  renderVersions();
}

// ---- buttons

function updateButtons() {
  const open = state.procedure !== null && state.number !== null;
  const current = findVersion(state.number);
  const isDraft = current !== null && current.state === 'draft';
  const idle = !state.busy;
  ui.versionSelect.disabled = !open || !idle;
  ui.changeNote.disabled = !open || !idle;
  ui.saveDraft.disabled = !open || !idle;
  ui.validate.disabled = !open || !idle || state.dirty;
  ui.showDiff.disabled = !open || !idle || state.dirty || publishedVersion() === null;
  ui.publish.disabled = !open || !idle || state.dirty || !isDraft;
  ui.publish.title = state.dirty ? 'Lưu nháp trước khi công bố (save the draft first)'
    : isDraft ? '' : 'Chỉ công bố được bản nháp (only a draft can be published)';
  ui.dirtyFlag.hidden = !state.dirty;
}

/** Run an action with the buttons disabled, reporting any failure in the status line. */
async function busy(action) {
  state.busy = true;
  updateButtons();
  try {
    return await action();
  } catch (err) {
    showError(err);
    return undefined;
  } finally {
    state.busy = false;
    updateButtons();
  }
}

function confirmDiscard() {
  return !state.dirty || window.confirm(
    'Bỏ các thay đổi chưa lưu? (Discard the unsaved changes?)');
}

// ---- problems on the panel and on the diagram

function clearProblems() {
  const canvas = modeler.get('canvas');
  const registry = modeler.get('elementRegistry');
  // After an import or a deletion some marked elements are gone, and so are their markers.
  for (const [id, marker] of state.marked) {
    if (registry.get(id)) canvas.removeMarker(id, marker);
  }
  state.marked = [];
  modeler.get('overlays').remove({ type: PROBLEM_OVERLAY });
  ui.problemList.replaceChildren();
}

function severityOf(problem) {
  return problem.severity === 'warning' ? 'warning' : 'error';
}

/** Select the element a problem is about, and focus the panel's entry that fixes it. */
function showFix(problem, element) {
  const fix = fixOf(problem, element, modeler.get('elementRegistry'));
  const eventBus = modeler.get('eventBus');
  const focus = () => {
    if (fix.entry) eventBus.fire('propertiesPanel.showEntry', { id: fix.entry });
  };
  const selection = modeler.get('selection');
  modeler.get('canvas').scrollToElement(fix.element);
  if (selection.get().length === 1 && selection.get()[0] === fix.element) {
    focus();
    return;
  }
  // The panel draws the newly selected element first; its entries listen only then.
  eventBus.once('propertiesPanel.updated', () => setTimeout(focus));
  selection.select(fix.element);
}

function showProblems(problems, { number }) {
  clearProblems();
  const registry = modeler.get('elementRegistry');
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  const byElement = new Map();

  for (const problem of problems) {
    const severity = severityOf(problem);
    const element = problem.element ? registry.get(problem.element) : null;
    const where = [
      problem.element ? `${problem.element}` : null,
      problem.line ? `dòng (line) ${problem.line}` : null,
    ].filter(Boolean).join(', ');
    const item = el('li', { class: `problem ${severity}`, dataset: { element: problem.element || '' } },
      el('span', { class: 'severity' }, severity === 'error' ? 'Lỗi (error)' : 'Cảnh báo (warning)'),
      where ? el('span', { class: 'where' }, where) : null,
      el('span', { class: 'message' }, problem.message));
    if (element) {
      item.classList.add('linked');
      item.title = 'Bấm để sửa (click to fix)';
      item.addEventListener('click', () => showFix(problem, element));
      if (!byElement.has(element.id)) byElement.set(element.id, []);
      byElement.get(element.id).push(problem);
    } else if (isEditorsProblem(problem)) {
      item.classList.add('linked');
      item.title = 'Bấm để sửa (click to fix)';
      item.addEventListener('click', () => announce('motcua:focus', { element: problem.element }));
    }
    ui.problemList.append(item);
  }

  for (const [id, list] of byElement) {
    const worst = list.some((p) => severityOf(p) === 'error') ? 'error' : 'warning';
    canvas.addMarker(id, MARKERS[worst]);
    state.marked.push([id, MARKERS[worst]]);
    overlays.add(id, PROBLEM_OVERLAY, {
      position: { top: -10, right: 10 },
      html: el('div', {
        class: `motcua-problem-badge ${worst}`,
        title: list.map((p) => p.message).join('\n'),
        'data-testid': `problem-badge-${id}`,
      }, String(list.length)),
    });
  }

  const errors = problems.filter((p) => severityOf(p) === 'error').length;
  const warnings = problems.length - errors;
  ui.validationResult.dataset.valid = String(errors === 0);
  if (errors === 0) {
    ui.validationResult.className = 'result valid';
    ui.validationResult.replaceChildren(
      ...bilingual(`Hợp lệ: phiên bản v${number} không có lỗi`, 'valid, no problems'),
      warnings ? ` — ${warnings} cảnh báo (warnings)` : '');
  } else {
    ui.validationResult.className = 'result invalid';
    ui.validationResult.replaceChildren(
      ...bilingual(`Không hợp lệ: v${number} có ${errors} lỗi`, `invalid, ${errors} errors`),
      warnings ? `, ${warnings} cảnh báo (warnings)` : '');
  }
}

function resetPanels() {
  clearProblems();
  ui.validationResult.className = 'hint';
  delete ui.validationResult.dataset.valid;
  ui.validationResult.replaceChildren(
    ...bilingual('Lưu nháp để kiểm tra.', 'Save a draft to validate.'));
  ui.diff.replaceChildren(el('p', { class: 'hint' },
    ...bilingual('Bấm "So sánh" sau khi lưu nháp.', 'Click Diff after saving a draft.')));
}

// ---- diff

function stepLabel(step) {
  if (typeof step !== 'object' || step === null) return String(step);
  const id = step.id ?? step.step ?? step.bpmn_id ?? '';
  return step.name ? `${id} — ${step.name}` : String(id || JSON.stringify(step));
}

function describe(value) {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** Render a step's changes: {field: {from, to}}, {field: [old, new]} or a list. */
function changeItems(changes) {
  if (Array.isArray(changes)) {
    return changes.map((change) => el('li', {},
      typeof change === 'string' ? change : changeText(change.field ?? '', change)));
  }
  if (changes && typeof changes === 'object') {
    return Object.entries(changes).map(([field, value]) => el('li', {}, changeText(field, value)));
  }
  return [el('li', {}, String(changes))];
}

function changeText(field, value) {
  if (Array.isArray(value) && value.length === 2) {
    return `${field}: ${describe(value[0])} → ${describe(value[1])}`;
  }
  if (value && typeof value === 'object') {
    const before = value.from ?? value.old ?? value.before;
    const after = value.to ?? value.new ?? value.after;
    if (before !== undefined || after !== undefined) {
      return `${field}: ${describe(before)} → ${describe(after)}`;
    }
  }
  return `${field}: ${describe(value)}`;
}

const DIFF_TITLES = {
  steps_added: 'Bước thêm (steps added)',
  steps_removed: 'Bước bỏ (steps removed)',
  steps_changed: 'Bước thay đổi (steps changed)',
  lanes_added: 'Bộ phận thêm (lanes added)',
  lanes_removed: 'Bộ phận bỏ (lanes removed)',
  forms_added: 'Biểu mẫu thêm (forms added)',
  forms_removed: 'Biểu mẫu bỏ (forms removed)',
  forms_changed: 'Biểu mẫu thay đổi (forms changed)',
  meta_changed: 'Thông tin thủ tục thay đổi (metadata changed)',
};
// Older spellings of the same lists.
const DIFF_ALIASES = {
  added_steps: 'steps_added', removed_steps: 'steps_removed', changed_steps: 'steps_changed',
};

function renderDiff(diff, from, to) {
  const sections = [el('p', { class: 'diff-range' }, `v${from} → v${to}`)];
  let total = 0;
  // Steps first, then lanes, forms and metadata, then whatever else the API adds.
  const known = Object.keys(DIFF_TITLES);
  const rank = (key) => (known.includes(key) ? known.indexOf(key) : known.length);
  const entries = Object.entries(diff)
    .map(([rawKey, value]) => [DIFF_ALIASES[rawKey] || rawKey, value])
    .sort(([a], [b]) => rank(a) - rank(b));
  for (const [key, value] of entries) {
    if (!Array.isArray(value) || value.length === 0) continue;
    total += value.length;
    const items = value.map((entry) => {
      if (key === 'steps_changed' && entry && typeof entry === 'object') {
        const step = entry.id ?? entry.step;
        return el('li', { dataset: { step: stepLabel(step) } },
          el('strong', {}, stepLabel(step)),
          el('ul', {}, ...changeItems(entry.fields ?? entry.changes)));
      }
      return el('li', {}, stepLabel(entry));
    });
    sections.push(el('h3', {}, DIFF_TITLES[key] || key.replaceAll('_', ' ')),
      el('ul', { 'data-testid': `diff-${key}` }, ...items));
  }
  if (total === 0) {
    sections.push(el('p', { class: 'hint' }, ...bilingual('Không có thay đổi nào.', 'no changes')));
  }
  ui.diff.replaceChildren(...sections);
}

// ---- actions

async function loadProcedures() {
  const procedures = await api.listProcedures();
  ui.proceduresEmpty.hidden = procedures.length > 0;
  ui.procedureList.replaceChildren(...procedures.map((procedure) => el('li', {},
    el('button', {
      type: 'button',
      class: 'procedure',
      'data-testid': `procedure-${procedure.code}`,
      dataset: { code: procedure.code },
      onclick: () => openProcedure(procedure),
    }, el('span', { class: 'code' }, procedure.code), ' ',
    el('span', { class: 'name' }, procedure.name_vi)))));
  setStatus('info', ...bilingual(`${procedures.length} thủ tục`, `${procedures.length} procedures`));
}

/** Show the whole diagram, clear of the palette floating over the canvas's left edge. */
function fitDiagram() {
  const canvas = modeler.get('canvas');
  canvas.zoom('fit-viewport');
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height) return;
  const left = 110; // the palette's width, in screen pixels
  const margin = 20;
  const scale = Math.min((outer.width - left - 2 * margin) / inner.width,
    (outer.height - 2 * margin) / inner.height, 1);
  canvas.viewbox({
    x: inner.x - (left + margin) / scale,
    y: inner.y - margin / scale,
    width: outer.width / scale,
    height: outer.height / scale,
  });
}

// ---- the editors (static/editors/): DOM events on document, the page's contract with them

function announce(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

function announceVersion() {
  announce('motcua:version', {
    client: api, code: state.procedure?.code ?? null, version: state.version, save: saveVersion,
  });
}

/** Link the procedure's decision-table editor when the open version's tasks read tables. */
function showDecisionTablesLink(code, tables) {
  ui.decisionTables.href = `/thiet-ke/${encodeURIComponent(code)}/bang-quyet-dinh`;
  ui.decisionTables.title = tables.sort().join(', ');
  ui.decisionTables.hidden = tables.length === 0;
}

async function openVersion(number) {
  const code = state.procedure.code;
  const [xml, version, { decisions }] = await Promise.all([api.getBpmn(code, number),
    api.getVersion(code, number), api.getDecisions(code, number)]);
  const { warnings } = await modeler.importXML(xml);
  state.number = number;
  state.version = version;
  lists.versionForms = version.forms || {};
  state.dirty = false;
  showDecisionTablesLink(code, Object.keys(decisions));
  ui.canvas.classList.remove('empty');
  renderVersions();
  resetPanels();
  fitDiagram();
  const label = `v${number} · ${STATE_LABELS[version.state] || version.state}`;
  setStatus('info', ...bilingual(`Đã mở ${code} ${label}`, 'opened'),
    warnings.length ? ` — ${warnings.length} cảnh báo khi đọc (import warnings)` : '');
  if (warnings.length) console.warn('bpmn-js import warnings', warnings);
  announceVersion();
}

async function openProcedure(procedure) {
  if (!confirmDiscard()) return;
  await busy(async () => {
    state.procedure = procedure;
    state.number = null;
    state.version = null;
    ui.decisionTables.hidden = true;
    ui.procedureTitle.replaceChildren(`${procedure.code} — ${procedure.name_vi}`);
    for (const button of ui.procedureList.querySelectorAll('button')) {
      button.classList.toggle('active', button.dataset.code === procedure.code);
    }
    await refreshVersions();
    const version = versionToOpen();
    if (!version) {
      setStatus('error', ...bilingual('Thủ tục chưa có phiên bản nào.', 'no versions'));
      return;
    }
    await openVersion(version.number);
  });
}

/**
 * Save the diagram with `meta`/`forms` (keys left out keep their value) as a draft: PUT on
 * the open draft, or POST a new one when the open version is not a draft. Show its problems,
 * announce the version, and return the DraftSchema JSON. The editors call this too.
 */
async function saveVersion({ meta, forms, change_note: changeNote } = {}) {
  const current = findVersion(state.number);
  const isDraft = current !== null && current.state === 'draft';
  const revision = state.revision;
  const { xml } = await modeler.saveXML({ format: true });
  const body = { bpmn_xml: xml };
  if (meta !== undefined) body.meta = meta;
  if (forms !== undefined) body.forms = forms;
  const note = ui.changeNote.value.trim() || changeNote; // what the designer typed comes first
  if (note) body.change_note = note;
  const code = state.procedure.code;
  let saved;
  try {
    saved = isDraft
      ? await api.updateDraft(code, current.number, body)
      : await api.createDraft(code, body);
  } catch (err) {
    // A model the API cannot even store still gets its problems on the diagram.
    if (err instanceof ApiError && Array.isArray(err.details.problems)) {
      showProblems(err.details.problems, { number: state.number });
    }
    throw err;
  }
  state.number = saved.number;
  state.version = saved;
  lists.versionForms = saved.forms || {};
  state.dirty = state.revision !== revision;
  await refreshVersions();
  if (Object.keys(saved.forms_renamed || {}).length) {
    // The server pointed the steps at the renamed forms: show the model it stored.
    await modeler.importXML(await api.getBpmn(code, saved.number));
  }
  showProblems(saved.problems || [], { number: saved.number });
  setStatus('ok', ...bilingual(`Đã lưu nháp v${saved.number}`, `draft v${saved.number} saved`));
  announceVersion();
  return saved;
}

async function saveDraft() {
  const current = findVersion(state.number);
  const isDraft = current !== null && current.state === 'draft';
  const note = ui.changeNote.value.trim();
  if (!isDraft && !note) {
    // Every new version says why it was made; the API refuses one without a note.
    setStatus('error', ...bilingual('Nhập ghi chú thay đổi trước khi lưu bản nháp mới.',
      'enter a change note for the new draft'));
    ui.changeNote.focus();
    return;
  }
  await busy(() => saveVersion({ change_note: note }));
}

async function validate() {
  await busy(async () => {
    const result = await api.validate(state.procedure.code, state.number);
    showProblems(result.problems || [], { number: state.number });
    setStatus(result.valid ? 'ok' : 'error', ...(result.valid
      ? bilingual(`v${state.number} hợp lệ`, 'valid')
      : bilingual(`v${state.number} không hợp lệ`, 'invalid')));
  });
}

async function showDiff() {
  await busy(async () => {
    const published = publishedVersion();
    if (published.number === state.number) {
      ui.diff.replaceChildren(el('p', { class: 'hint' },
        ...bilingual('Đây chính là bản đang công bố.', 'this is the published version')));
      return;
    }
    const diff = await api.diff(state.procedure.code, published.number, state.number);
    renderDiff(diff, published.number, state.number);
    setStatus('info', ...bilingual(`So sánh v${published.number} → v${state.number}`, 'diff shown'));
  });
}

async function publish() {
  await busy(async () => {
    const number = state.number;
    try {
      state.version = await api.publish(state.procedure.code, number);
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.details.problems)) {
        showProblems(err.details.problems, { number });
      }
      throw err;
    }
    await refreshVersions();
    ui.changeNote.value = '';
    setStatus('ok', ...bilingual(`Đã công bố phiên bản v${number}`, `published version ${number}`));
    ui.status.dataset.published = String(number);
    announceVersion();
  });
}

/** Load what the panel offers (forms, departments) and the procedures. */
async function start() {
  const [forms, departments] = await Promise.all([api.listForms(), api.listDepartments()]);
  lists.forms = forms;
  lists.departments = departments;
  await loadProcedures();
}

// ---- wiring

ui.versionSelect.addEventListener('change', async () => {
  const number = Number(ui.versionSelect.value);
  if (!confirmDiscard()) {
    ui.versionSelect.value = String(state.number);
    return;
  }
  await busy(() => openVersion(number));
});

ui.saveDraft.addEventListener('click', saveDraft);
ui.validate.addEventListener('click', validate);
ui.showDiff.addEventListener('click', showDiff);
ui.publish.addEventListener('click', publish);

// The editors created or changed a procedure: open it (listed anew, it may be new).
document.addEventListener('motcua:open-procedure', async (event) => {
  const { code } = event.detail || {};
  if (!code) return;
  await busy(loadProcedures);
  const button = ui.procedureList.querySelector(`button[data-code="${CSS.escape(code)}"]`);
  if (button) button.click();
});

modeler.on('commandStack.changed', (event) => {
  if (event.trigger === 'clear') return; // importing a model is not an edit
  state.revision += 1;
  state.dirty = true;
  updateButtons();
});

window.addEventListener('beforeunload', (event) => {
  if (state.dirty) event.preventDefault();
});

updateButtons();
busy(start);
