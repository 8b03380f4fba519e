// Draw the procedure's diagram with bpmn-js's viewer, then a badge under each step it timed:
// waiting and working hours against the step's budget, coloured by where the step stands.
(() => {
  const box = document.getElementById('diagram');
  const text = box.dataset;
  const lang = document.documentElement.lang;
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(lang, { style: 'percent' });
  const hours = (value) => (value === null ? '–' : number.format(value));
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key]);
  // Text stays readable: wide models are scrolled and dragged rather than shrunk further.
  const SMALLEST_ZOOM = 0.8;
  const MARGIN = 20;
  // Room under the lowest task for its badge, and the badge's width, in pixels at zoom 1.
  const BADGE_ROOM = 90;
  const BADGE_WIDTH = 176;

  const element = (tag, className, content) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  };

  // Waiting then working, as shares of the longer of the budget and the time spent.
  const bar = (row) => {
    const waited = row.waited_mean || 0;
    const worked = row.worked_mean || 0;
    const scale = Math.max(row.budget_hours, waited + worked) || 1;
    const node = element('span', 'step-bar');
    const segments = [['waiting', waited], ['working', worked]];
    for (const [name, value] of segments) {
      const segment = element('span', name);
      segment.style.width = `${(100 * value) / scale}%`;
      node.append(segment);
    }
    const budget = element('span', 'budget');
    budget.style.left = `calc(${(100 * row.budget_hours) / scale}% - 1px)`;
    node.append(budget);
    return node;
  };

  const badge = (row) => {
    const node = element('div', `step-badge ${row.standing}`);
    node.dataset.step = row.step;
    node.style.width = `${BADGE_WIDTH}px`;
    node.append(element('strong', null, text[row.standing]));
    node.append(element('span', 'times', fill(text.times, {
      waited: hours(row.waited_mean), worked: hours(row.worked_mean) })));
    node.append(bar(row));
    node.append(element('span', 'budget-line', fill(text.budget, {
      budget: hours(row.budget_hours),
      load: row.load === null ? '–' : percent.format(row.load) })));
    return node;
  };

  // Show the whole model at the largest zoom up to 1 that fits the width, not below SMALLEST_ZOOM.
  const frame = (canvas) => {
    const inner = canvas.viewbox().inner;
    const zoom = Math.max(SMALLEST_ZOOM, Math.min(1, (box.clientWidth - 2 * MARGIN) / inner.width));
    box.style.height = `${Math.ceil((inner.height + BADGE_ROOM) * zoom + 2 * MARGIN)}px`;
    canvas.resized();
    canvas.viewbox({ x: inner.x - MARGIN / zoom, y: inner.y - MARGIN / zoom,
      width: box.clientWidth / zoom, height: box.clientHeight / zoom });
  };

  const draw = async () => {
    const [xml, timings] = await Promise.all([
      fetch(text.diagram, { credentials: 'same-origin' }).then((r) => (r.ok ? r.text() : Promise.reject(r.status))),
      fetch(text.timings, { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : Promise.reject(r.status))),
    ]);
    const viewer = new BpmnJS({ container: box });
    await viewer.importXML(xml);
    frame(viewer.get('canvas'));
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    for (const row of timings.rows) {
      const task = registry.get(row.step);
      // A step of an older version of the model has no task on today's diagram: the table has it.
      if (task) {
        overlays.add(task, 'step-timings', {
          position: { top: task.height + 4, left: (task.width - BADGE_WIDTH) / 2 }, html: badge(row) });
      }
    }
    box.viewer = viewer;
  };

  draw().catch((error) => {
    const message = document.getElementById('diagram-error');
    message.textContent = text.failed;
    message.hidden = false;
    console.warn('diagram not drawn', error);
  });
})();
