// A form's JSON Schema as a list of fields the designer edits, and back.
//
// Choices are `enum` with `x-enum-titles`, and "required when X is V" is an `allOf` entry
// {if: {properties: {X: {const: V}}, required: [X]}, then: {required: [...]}}: what forms/
// holds and what api/web/schema_form.py renders for officers. Keywords the editor does not
// show are kept as they were, so a form opened and saved unchanged stays equal (and keeps
// its key: a changed published form gets a new one).

export const KINDS = {
  text: 'Văn bản (text)',
  number: 'Số (number)',
  integer: 'Số nguyên (integer)',
  date: 'Ngày (date)',
  boolean: 'Có/không (yes/no)',
  choice: 'Lựa chọn (choice)',
  other: 'Kiểu khác, giữ nguyên (other, kept)',
};

const clone = (value) => structuredClone(value);

function kindOf(spec) {
  if (Array.isArray(spec.enum)) return 'choice';
  if (spec.type === 'string') return spec.format === 'date' ? 'date' : 'text';
  if (['number', 'integer', 'boolean'].includes(spec.type)) return spec.type;
  return 'other';
}

/** Read "required when": the allOf entries of the one shape above; others are kept raw. */
function conditionOf(entry) {
  const tests = entry?.if?.properties;
  const names = tests && typeof tests === 'object' ? Object.keys(tests) : [];
  const then = entry?.then;
  if (names.length !== 1 || !('const' in (tests[names[0]] || {})) || !then
      || Object.keys(then).join() !== 'required' || !Array.isArray(then.required)) return null;
  return { field: names[0], value: tests[names[0]].const };
}

/** Return the editor's model of a schema: {schema, fields, rules}. */
export function fromSchema(schema) {
  const source = clone(schema || { type: 'object', properties: {} });
  const required = new Set(source.required || []);
  const rules = (source.allOf || []).map((entry) => ({ entry, condition: conditionOf(entry) }));
  const fields = Object.entries(source.properties || {}).map(([key, spec]) => ({
    key,
    spec,
    kind: kindOf(spec),
    required: required.has(key),
    when: rules.filter((r) => r.condition && r.entry.then.required.includes(key))
      .map((r) => ({ ...r.condition })),
  }));
  return { schema: source, fields, rules };
}

/** A new field of a kind, with a Vietnamese title. */
export function newField(key, title, kind) {
  const field = { key, spec: { title }, kind: 'text', required: false, when: [] };
  setKind(field, kind);
  return field;
}

/** Change a field's kind, dropping the keywords of the kind it leaves. */
export function setKind(field, kind) {
  const { title, description } = field.spec;
  const keep = { title, ...(description ? { description } : {}) };
  if (kind === field.kind && field.spec.type) return;
  field.kind = kind;
  if (kind === 'text') field.spec = { type: 'string', ...keep, maxLength: 300 };
  else if (kind === 'date') field.spec = { type: 'string', ...keep, format: 'date' };
  else if (kind === 'choice') {
    field.spec = { type: 'string', ...keep, enum: [], 'x-enum-titles': {} };
  } else if (kind === 'other') field.spec = { ...keep, ...field.spec };
  else field.spec = { type: kind, ...keep };
}

/** The choices of a choice field as [{value, title}]. */
export function choices(field) {
  const titles = field.spec['x-enum-titles'] || {};
  return (field.spec.enum || []).map((value) => ({ value, title: titles[value] ?? '' }));
}

export function setChoices(field, list) {
  field.spec.enum = list.map((c) => c.value);
  field.spec['x-enum-titles'] = Object.fromEntries(list.map((c) => [c.value, c.title || c.value]));
}

/** Rename a field's key everywhere it is named: conditions of other fields included. */
export function renameField(model, field, key) {
  const old = field.key;
  field.key = key;
  for (const other of model.fields) {
    for (const condition of other.when) if (condition.field === old) condition.field = key;
  }
  for (const rule of model.rules) {
    if (rule.condition?.field === old) {
      const test = rule.entry.if.properties[old];
      rule.entry.if.properties = { [key]: test };
      if (Array.isArray(rule.entry.if.required)) {
        rule.entry.if.required = rule.entry.if.required.map((n) => (n === old ? key : n));
      }
      rule.condition.field = key;
    }
    if (rule.condition) {
      rule.entry.then.required = rule.entry.then.required.map((n) => (n === old ? key : n));
    }
  }
}

/** Return the JSON Schema of the model, keeping every keyword the editor does not show. */
export function toSchema(model) {
  const schema = clone(model.schema);
  schema.properties = Object.fromEntries(model.fields.map((f) => [f.key, clone(f.spec)]));
  const keys = new Set(model.fields.map((f) => f.key));
  const wanted = model.fields.filter((f) => f.required).map((f) => f.key);
  const kept = (model.schema.required || []).filter((k) => wanted.includes(k));
  const required = [...kept, ...wanted.filter((k) => !kept.includes(k))];
  if (required.length || 'required' in model.schema) schema.required = required;

  // Each (field, value) condition lists the fields it makes required, in field order.
  const byCondition = new Map();
  for (const field of model.fields) {
    for (const c of field.when) {
      if (!keys.has(c.field)) continue;
      const id = JSON.stringify([c.field, c.value]);
      if (!byCondition.has(id)) byCondition.set(id, { ...c, names: [] });
      byCondition.get(id).names.push(field.key);
    }
  }
  const allOf = [];
  for (const rule of model.rules) {
    if (!rule.condition) {
      allOf.push(clone(rule.entry));
      continue;
    }
    const id = JSON.stringify([rule.condition.field, rule.condition.value]);
    const found = byCondition.get(id);
    if (!found || found.done) continue;
    found.done = true;
    const entry = clone(rule.entry);
    const before = entry.then.required.filter((n) => found.names.includes(n));
    entry.then.required = [...before, ...found.names.filter((n) => !before.includes(n))];
    allOf.push(entry);
  }
  for (const found of byCondition.values()) {
    if (found.done) continue;
    allOf.push({
      if: { properties: { [found.field]: { const: found.value } }, required: [found.field] },
      then: { required: found.names },
    });
  }
  if (allOf.length || 'allOf' in model.schema) schema.allOf = allOf;
  return schema;
}
