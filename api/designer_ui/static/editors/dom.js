// Small DOM and formatting helpers shared by the editors.

/** Create an element: attributes (on* are listeners, dataset an object), then children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined
    && child !== false));
  return node;
}

/** Vietnamese text followed by its English gloss in a muted span. */
export function bilingual(vi, en) {
  return [vi, ' ', el('span', { class: 'en' }, `(${en})`)];
}

/** A labelled input row; `input` is the control, `key` marks it for problems and focus. */
export function row(label, input, key) {
  const id = input.id || `ed-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return el('div', { class: 'ed-row', dataset: key ? { key } : {} },
    el('label', { for: id }, ...label), input,
    el('div', { class: 'ed-problems', 'aria-live': 'polite' }));
}

const MOMENT = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

/** An ISO moment as the center reads it: dd/mm/yyyy HH:mm in Hà Nội time. */
export function moment(iso) {
  if (!iso) return '—';
  const parts = Object.fromEntries(MOMENT.formatToParts(new Date(iso))
    .map((part) => [part.type, part.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

/** Say an API failure in one line: its message, status and code, and the fields refused. */
export function failure(err) {
  const where = err.status ? ` [${err.status} ${err.code}]` : '';
  const fields = (err.details && Array.isArray(err.details.fields) ? err.details.fields : [])
    .map((f) => ` ${f.field}: ${f.message}`).join(';');
  return `${err.message}${where}${fields}`;
}

/** A status line inside an editor: kind is info, ok or error. */
export function status(node, kind, ...content) {
  node.className = `ed-status ${kind}`;
  node.dataset.kind = kind;
  node.replaceChildren(...content.flat());
}
