// The editors of the designer page (forms, procedure metadata, trial run, migration dry run,
// new procedure), inside <section id="editors">. They talk to the page only through events
// on `document` (PAGE_CONTRACT): `motcua:version` and `motcua:focus` in,
// `motcua:open-procedure` out.
import { bilingual, el } from './dom.js';
import { createFormsEditor } from './forms_editor.js';
import { createImportDialog } from './import_model.js';
import { createMetaEditor } from './meta_editor.js';
import { createNewProcedureDialog } from './new_procedure.js';
import { createMigrationPlan, createTrialRun } from './runs.js';

const root = document.getElementById('editors');
document.head.append(el('link', { rel: 'stylesheet', href: new URL('./editors.css', import.meta.url).href }));

let detail = null;
let departmentList = null;
/** The departments, asked once per page. */
function departments() {
  departmentList ??= detail.client.request('GET', 'departments').catch((err) => {
    departmentList = null;
    throw err;
  });
  return departmentList;
}

const TABS = [
  ['forms', 'Biểu mẫu', 'forms'],
  ['meta', 'Thông tin thủ tục', 'procedure'],
  ['trial', 'Chạy thử', 'trial run'],
  ['migration', 'Chuyển phiên bản', 'migration'],
];
const panels = Object.fromEntries(TABS.map(([id]) => [id, el('div', {
  class: 'ed-panel', role: 'tabpanel', id: `ed-panel-${id}`, 'data-testid': `editor-${id}`, hidden: true,
})]));
const tabs = TABS.map(([id, vi, en]) => el('button', {
  type: 'button', role: 'tab', id: `ed-tab-${id}`, 'aria-controls': `ed-panel-${id}`,
  'data-testid': `tab-${id}`, onclick: () => show(id),
}, ...bilingual(vi, en)));

function show(id) {
  for (const [index, [tab]] of TABS.entries()) {
    tabs[index].setAttribute('aria-selected', String(tab === id));
    panels[tab].hidden = tab !== id;
  }
}

const title = el('span', { class: 'ed-title', 'data-testid': 'editors-title' },
  ...bilingual('Chưa mở thủ tục', 'no procedure open'));
const dialog = createNewProcedureDialog({ getClient: () => detail?.client, departments });
// The API client comes with the first version the page announces.
const newProcedure = el('button', { type: 'button', 'data-testid': 'new-procedure', disabled: true,
  title: 'Mở một thủ tục trước (open a procedure first)', onclick: () => dialog.open() },
...bilingual('Thủ tục mới', 'new procedure'));
const importing = createImportDialog({ getClient: () => detail?.client, departments });
const importModel = el('button', { type: 'button', class: 'secondary', 'data-testid': 'import-model',
  disabled: true, title: 'Mở một thủ tục trước (open a procedure first)', onclick: () => importing.open() },
...bilingual('Nhập mô hình (bpmn.io / Camunda)', 'import a model'));
root.replaceChildren(
  el('div', { class: 'ed-head' }, title,
    el('span', { class: 'ed-head-actions' }, newProcedure, importModel)),
  el('div', { role: 'tablist', class: 'ed-tabs' }, ...tabs),
  ...Object.values(panels));
show('forms');

const editors = {
  forms: createFormsEditor(panels.forms),
  meta: createMetaEditor(panels.meta, { departments }),
  trial: createTrialRun(panels.trial),
  migration: createMigrationPlan(panels.migration),
};

document.addEventListener('motcua:version', (event) => {
  detail = event.detail;
  const { code, version } = detail;
  title.replaceChildren(version ? `${code} · v${version.number} (${version.state})`
    : `${code} · chưa lưu (not saved)`);
  newProcedure.disabled = false;
  importModel.disabled = false;
  root.dataset.code = code || '';
  root.dataset.version = version ? String(version.number) : '';
  for (const editor of Object.values(editors)) editor.setVersion(detail);
});

document.addEventListener('motcua:focus', (event) => {
  const element = event.detail?.element || '';
  if (element.startsWith('forms.')) {
    show('forms');
    editors.forms.focus(element);
  } else if (element.startsWith('meta')) {
    show('meta');
    editors.meta.focus(element);
  }
});
