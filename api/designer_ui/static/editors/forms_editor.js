// The "Biểu mẫu" tab: the forms of the open version, edited field by field, checked and
// previewed by the server as the officer's step page renders them, saved with the draft.
import { bilingual, el, failure, status } from './dom.js';
import {
  KINDS, choices, fromSchema, newField, renameField, setChoices, setKind, toSchema,
} from './form_schema.js';

const FIELD_KEY = /^[a-z][a-z0-9_]*$/;
const FORM_KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
const PREVIEW_DELAY_MS = 400;
const APP_CSS = new URL('../../../web-static/app.css', import.meta.url).href;

/** Return the form keys a BPMN model's steps name in their `form` property. */
function formKeysOf(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  return [...doc.getElementsByTagNameNS('*', 'property')]
    .filter((p) => p.getAttribute('name') === 'form' && p.getAttribute('value'))
    .map((p) => p.getAttribute('value'));
}

export function createFormsEditor(root) {
  const state = {
    ctx: null, // the motcua:version detail
    keys: [], // every form key of the version: its steps', its intake's, its own
    drafts: {}, // key → editor model of the forms the version brings (editable)
    published: {}, // key → schema of forms published before (read-only)
    selected: null,
    problems: [], // the last save's or preview's problems about forms
    notice: null, // the last save's outcome, shown again when the page re-announces its version
    timer: null,
    dirty: false,
  };
  const list = el('ul', { class: 'ed-form-list', 'data-testid': 'form-list' });
  const detail = el('div', { class: 'ed-form-detail', 'data-testid': 'form-detail' });
  const line = el('div', { class: 'ed-status', role: 'status', 'data-testid': 'forms-status' });
  const newKey = el('input', { type: 'text', placeholder: 'thu_tuc/ten_bieu_mau',
    'data-testid': 'new-form-key', 'aria-label': 'Mã biểu mẫu mới (new form key)' });
  root.append(el('div', { class: 'ed-forms' },
    el('div', { class: 'ed-form-side' }, list,
      el('div', { class: 'ed-inline' }, newKey,
        el('button', { type: 'button', 'data-testid': 'new-form', onclick: addForm },
          ...bilingual('Biểu mẫu mới', 'new form')))),
    el('div', { class: 'ed-form-main' }, line, detail)));

  async function setVersion(ctx) {
    state.ctx = ctx;
    const announced = (state.announced || 0) + 1;
    state.announced = announced;
    state.drafts = {};
    state.dirty = false;
    const { version } = ctx;
    if (!version) {
      state.keys = [];
      renderList();
      detail.replaceChildren(el('p', { class: 'hint' }, ...bilingual(
        'Lưu nháp thủ tục mới trước khi soạn biểu mẫu.', 'save the new procedure first')));
      return;
    }
    for (const [key, schema] of Object.entries(version.forms || {})) {
      state.drafts[key] = fromSchema(schema);
    }
    let used = [];
    try {
      const xml = await ctx.client.request('GET',
        `procedures/${encodeURIComponent(ctx.code)}/versions/${version.number}/bpmn`);
      used = formKeysOf(typeof xml === 'string' ? xml : '');
    } catch (err) {
      status(line, 'error', failure(err));
    }
    if (state.announced !== announced) return; // a newer version was announced meanwhile
    const intake = version.meta?.intake_form;
    state.keys = [...new Set([...(intake ? [intake] : []), ...used,
      ...Object.keys(state.drafts)])];
    const notice = state.notice?.number === version.number ? state.notice : null;
    state.problems = notice ? notice.problems : [];
    if (notice) status(line, notice.kind, ...notice.message);
    else status(line, 'info', '');
    renderList();
    const keep = notice?.select || (state.keys.includes(state.selected) ? state.selected : null);
    await select(keep || state.keys[0] || null);
  }

  function renderList() {
    list.replaceChildren(...state.keys.map((key) => el('li', {},
      el('button', {
        type: 'button',
        class: `ed-form-item${key === state.selected ? ' active' : ''}`,
        'data-testid': `form-${key}`,
        dataset: { key },
        onclick: () => select(key),
      }, el('span', { class: 'code' }, key), ' ',
      el('span', { class: `badge ${state.drafts[key] ? 'draft' : 'published'}` },
        state.drafts[key] ? 'trong bản này (this version)' : 'đã công bố (published)')))));
  }

  async function select(key) {
    state.selected = key;
    renderList();
    if (!key) {
      detail.replaceChildren(el('p', { class: 'hint' }, 'Chưa có biểu mẫu (no forms).'));
      return;
    }
    if (state.drafts[key]) {
      renderDraft(key);
      return;
    }
    try {
      if (!state.published[key]) {
        state.published[key] = (await state.ctx.client.request(
          'GET', `forms/${key.split('/').map(encodeURIComponent).join('/')}`)).schema;
      }
      if (state.selected !== key) return; // the designer picked another form meanwhile
      renderPublished(key);
    } catch (err) {
      detail.replaceChildren(el('p', { class: 'ed-status error' }, failure(err)));
    }
  }

  /** A box for the preview, styled by the staff pages' own sheet and by nothing else. */
  function previewHost() {
    const host = el('div', { class: 'ed-preview', 'data-testid': 'form-preview-host' });
    const sheet = el('link', { rel: 'stylesheet', href: APP_CSS });
    host.styled = new Promise((resolve) => {
      sheet.addEventListener('load', resolve);
      sheet.addEventListener('error', resolve);
    });
    host.attachShadow({ mode: 'open' }).append(sheet,
      el('div', { class: 'ed-preview-body', style: 'padding:.5rem 1rem' }));
    return host;
  }

  function renderPublished(key) {
    const host = previewHost();
    detail.replaceChildren(
      el('h3', {}, key),
      el('p', { class: 'hint' }, ...bilingual(
        'Biểu mẫu đã công bố không sửa được: hồ sơ đang dùng nó. Sao chép để sửa; khi lưu, bản '
        + 'sửa được đặt mã mới và các bước chuyển sang mã đó.',
        'published forms are read-only; a changed copy gets a new key when saved')),
      el('button', { type: 'button', 'data-testid': 'copy-form', onclick: () => copyForm(key) },
        ...bilingual('Sao chép để sửa', 'copy to edit')),
      el('h4', {}, ...bilingual('Cán bộ sẽ thấy', 'as the officer sees it')), host);
    preview(key, state.published[key], host);
  }

  function copyForm(key) {
    state.drafts[key] = fromSchema(state.published[key]);
    state.dirty = true;
    renderList();
    renderDraft(key);
  }

  function addForm() {
    const key = newKey.value.trim();
    if (!FORM_KEY.test(key) || !key.includes('/')) {
      status(line, 'error', ...bilingual('Mã biểu mẫu có dạng thu_muc/ten, chỉ gồm chữ, số, _ và -',
        'a form key is folder/name'));
      return;
    }
    if (state.keys.includes(key)) {
      status(line, 'error', `${key}: `, ...bilingual('mã đã có', 'key exists'));
      return;
    }
    state.drafts[key] = fromSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema', title: '', type: 'object',
      properties: {}, required: [], additionalProperties: false,
    });
    state.keys.push(key);
    newKey.value = '';
    state.dirty = true;
    select(key);
  }

  function changed(key) {
    state.dirty = true;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      const host = detail.querySelector('.ed-preview');
      if (host && state.selected === key) preview(key, toSchema(state.drafts[key]), host);
    }, PREVIEW_DELAY_MS);
  }

  async function preview(key, schema, host) {
    const problems = detail.querySelector('.ed-form-problems');
    // Answers may come back out of order: only the last request asked for is shown.
    const asked = (host.asked || 0) + 1;
    host.asked = asked;
    try {
      const html = await state.ctx.client.request('POST', 'forms/preview', { key, schema });
      if (host.asked !== asked) return;
      // The server's renderer escaped every title and value (Jinja autoescape).
      host.shadowRoot.querySelector('.ed-preview-body').innerHTML = html;
      await host.styled;
      host.dataset.rendered = String(Date.now());
      if (problems) showProblems(problems, state.problems.filter((p) => p.element === `forms.${key}`));
    } catch (err) {
      if (host.asked !== asked) return;
      if (err.details && Array.isArray(err.details.problems) && problems) {
        showProblems(problems, err.details.problems);
      } else {
        status(line, 'error', failure(err));
      }
    }
  }

  function showProblems(node, problems) {
    node.replaceChildren(...problems.map((p) => el('li', { class: `problem ${p.severity || 'error'}` },
      p.message)));
    node.hidden = problems.length === 0;
  }

  function renderDraft(key) {
    const model = state.drafts[key];
    const fields = el('div', { class: 'ed-fields', 'data-testid': 'form-fields' },
      ...model.fields.map((field) => fieldEditor(key, model, field)));
    const title = el('input', { type: 'text', value: model.schema.title || '',
      'data-testid': 'form-title', oninput: () => { model.schema.title = title.value; changed(key); } });
    const problems = el('ul', { class: 'ed-form-problems', 'data-testid': 'form-problems' });
    showProblems(problems, state.problems.filter((p) => p.element === `forms.${key}`));
    const host = previewHost();
    detail.replaceChildren(
      el('h3', {}, key),
      el('label', { class: 'ed-label' }, ...bilingual('Tên biểu mẫu', 'form title'), title),
      problems,
      el('h4', {}, ...bilingual('Các trường', 'fields')), fields,
      addFieldRow(key, model),
      el('div', { class: 'ed-actions' },
        el('button', { type: 'button', 'data-testid': 'save-forms', onclick: saveForms },
          ...bilingual('Lưu biểu mẫu vào bản nháp', 'save forms with the draft')),
        el('button', { type: 'button', class: 'secondary', 'data-testid': 'drop-form',
          onclick: () => dropForm(key) }, ...bilingual('Bỏ biểu mẫu này khỏi bản nháp', 'drop'))),
      el('h4', {}, ...bilingual('Cán bộ sẽ thấy', 'as the officer sees it')), host);
    preview(key, toSchema(model), host);
  }

  function dropForm(key) {
    delete state.drafts[key];
    state.dirty = true;
    select(key);
  }

  function addFieldRow(key, model) {
    const fieldTitle = el('input', { type: 'text', placeholder: 'Tiêu đề (Vietnamese title)',
      'data-testid': 'new-field-title' });
    const fieldKey = el('input', { type: 'text', placeholder: 'ma_truong (key)',
      'data-testid': 'new-field-key' });
    const kind = el('select', { 'data-testid': 'new-field-kind' },
      ...Object.entries(KINDS).filter(([k]) => k !== 'other')
        .map(([value, label]) => el('option', { value }, label)));
    const add = () => {
      const name = fieldKey.value.trim();
      if (!FIELD_KEY.test(name) || model.fields.some((f) => f.key === name)) {
        status(line, 'error', ...bilingual(
          'Mã trường: chữ thường không dấu, số và _, bắt đầu bằng chữ, chưa có trong biểu mẫu',
          'field key: a-z, 0-9, _, unique'));
        return;
      }
      model.fields.push(newField(name, fieldTitle.value.trim() || name, kind.value));
      changed(key);
      renderDraft(key);
      detail.querySelector(`[data-testid="field-${name}"] input`)?.focus();
    };
    return el('div', { class: 'ed-inline ed-add-field' }, fieldTitle, fieldKey, kind,
      el('button', { type: 'button', 'data-testid': 'add-field', onclick: add },
        ...bilingual('Thêm trường', 'add field')));
  }

  function fieldEditor(key, model, field) {
    const redraw = () => { changed(key); renderDraft(key); };
    const title = el('input', { type: 'text', value: field.spec.title || '',
      'aria-label': 'Tiêu đề (title)', 'data-testid': `field-title-${field.key}`,
      oninput: () => { field.spec.title = title.value; changed(key); } });
    const name = el('input', { type: 'text', value: field.key, 'aria-label': 'Mã (key)',
      class: 'code', onchange: () => {
        const next = name.value.trim();
        if (!FIELD_KEY.test(next) || model.fields.some((f) => f !== field && f.key === next)) {
          name.value = field.key;
          status(line, 'error', ...bilingual('Mã trường không hợp lệ hoặc trùng', 'bad field key'));
          return;
        }
        renameField(model, field, next);
        redraw();
      } });
    const kind = el('select', { 'aria-label': 'Kiểu (type)', disabled: field.kind === 'other',
      'data-testid': `field-kind-${field.key}`,
      onchange: () => { setKind(field, kind.value); redraw(); } },
    ...Object.entries(KINDS).filter(([k]) => k !== 'other' || field.kind === 'other')
      .map(([value, label]) => el('option', { value, selected: value === field.kind }, label)));
    kind.value = field.kind;
    const required = el('input', { type: 'checkbox', checked: field.required,
      'data-testid': `field-required-${field.key}`,
      onchange: () => { field.required = required.checked; changed(key); } });
    const remove = el('button', { type: 'button', class: 'secondary', title: 'Xoá trường (remove)',
      onclick: () => {
        model.fields = model.fields.filter((f) => f !== field);
        for (const other of model.fields) other.when = other.when.filter((c) => c.field !== field.key);
        redraw();
      } }, '✕');
    return el('div', { class: 'ed-field', 'data-testid': `field-${field.key}`, dataset: { key: field.key } },
      el('div', { class: 'ed-inline' }, title, name, kind,
        el('label', { class: 'ed-check' }, required, ' Bắt buộc (required)'), remove),
      field.kind === 'choice' ? choicesEditor(key, field) : null,
      conditionEditor(key, model, field));
  }

  function choicesEditor(key, field) {
    const list = choices(field);
    const rows = list.map((choice, index) => {
      const value = el('input', { type: 'text', value: String(choice.value), class: 'code',
        'aria-label': 'Giá trị (value)', 'data-testid': `choice-value-${field.key}-${index}`,
        onchange: () => { list[index].value = value.value.trim(); setChoices(field, list); changed(key); } });
      const title = el('input', { type: 'text', value: choice.title, 'aria-label': 'Tên hiển thị (title)',
        'data-testid': `choice-title-${field.key}-${index}`,
        oninput: () => { list[index].title = title.value; setChoices(field, list); changed(key); } });
      return el('li', {}, value, title, el('button', { type: 'button', class: 'secondary',
        onclick: () => { list.splice(index, 1); setChoices(field, list); changed(key); renderDraft(key); } },
      '✕'));
    });
    return el('div', { class: 'ed-choices' },
      el('span', { class: 'hint' }, ...bilingual('Các lựa chọn: giá trị lưu và tên cán bộ đọc',
        'choices: stored value and title')),
      el('ol', {}, ...rows),
      el('button', { type: 'button', 'data-testid': `add-choice-${field.key}`, onclick: () => {
        list.push({ value: `lua_chon_${list.length + 1}`, title: '' });
        setChoices(field, list);
        changed(key);
        renderDraft(key);
      } }, ...bilingual('Thêm lựa chọn', 'add choice')));
  }

  function conditionEditor(key, model, field) {
    const options = [el('option', { value: '' }, 'Không điều kiện (always as above)')];
    for (const other of model.fields) {
      if (other === field) continue;
      const values = other.kind === 'choice' ? choices(other)
        : other.kind === 'boolean' ? [{ value: true, title: 'Có' }, { value: false, title: 'Không' }] : [];
      for (const choice of values) {
        options.push(el('option', { value: JSON.stringify([other.key, choice.value]) },
          `${other.spec.title || other.key} = ${choice.title || choice.value}`));
      }
    }
    if (options.length === 1 && !field.when.length) return null;
    const pick = el('select', { 'data-testid': `field-when-${field.key}`, onchange: () => {
      field.when = pick.value ? [(([f, v]) => ({ field: f, value: v }))(JSON.parse(pick.value))] : [];
      changed(key);
    } }, ...options);
    pick.value = field.when.length ? JSON.stringify([field.when[0].field, field.when[0].value]) : '';
    return el('label', { class: 'ed-when' }, ...bilingual('Bắt buộc khi', 'required when'), ' ', pick,
      field.when.length > 1 ? ` (+${field.when.length - 1})` : '');
  }

  function currentForms() {
    return Object.fromEntries(Object.entries(state.drafts).map(([k, m]) => [k, toSchema(m)]));
  }

  async function saveForms() {
    const { ctx } = state;
    const draft = ctx.version.state === 'draft';
    status(line, 'info', ...bilingual('Đang lưu…', 'saving'));
    try {
      const saved = await ctx.save({
        forms: currentForms(),
        ...(draft ? {} : { change_note: 'Sửa biểu mẫu trong trang thiết kế' }),
      });
      const renamed = Object.entries(saved?.forms_renamed || {});
      const problems = (saved?.problems || []).filter((p) => (p.element || '').startsWith('forms.'));
      const message = [...bilingual(`Đã lưu biểu mẫu vào bản nháp v${saved?.number ?? ''}`, 'forms saved'),
        ...renamed.map(([from, to]) => el('span', { class: 'ed-renamed', 'data-testid': 'form-renamed' },
          ` Biểu mẫu ${from} đã công bố nên bản sửa được đặt mã mới ${to}; các bước dùng nó đã chuyển sang mã mới.`))];
      const selected = renamed.find(([from]) => from === state.selected)?.[1] || state.selected;
      state.notice = { number: saved?.number, kind: problems.length ? 'error' : 'ok', message,
        problems, select: selected };
      state.dirty = false;
      // The page may have re-announced the saved version already: show the outcome now.
      if (state.ctx.version?.number === saved?.number) {
        state.problems = problems;
        status(line, state.notice.kind, ...message);
        if (state.keys.includes(selected)) await select(selected);
      }
    } catch (err) {
      status(line, 'error', failure(err));
    }
  }

  function focus(element) {
    const key = element.slice('forms.'.length);
    if (state.keys.includes(key)) select(key);
  }

  return { setVersion, focus, isDirty: () => state.dirty };
}
