// Draw the procedure's diagram with bpmn-js's viewer, then a badge by each step it timed:
// waiting and working hours against the step's budget, coloured by where the step stands.
(() => {
  const box = document.getElementById('diagram');
  const text = box.dataset;
  const lang = document.documentElement.lang;
  // Rounded half to even, as the table under the diagram is (Babel): 1.125 reads 112% in both.
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1, roundingMode: 'halfEven' });
  const percent = new Intl.NumberFormat(lang, { style: 'percent', roundingMode: 'halfEven' });
  const hours = (value) => (value === null ? '–' : number.format(value));
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key]);
  // Text stays readable: wide models are scrolled and dragged rather than shrunk further.
  const SMALLEST_ZOOM = 0.8;
  const MARGIN = 20;
  // Badge width, its gap to its task, and room under the lowest task for it, at zoom 1.
  const BADGE_WIDTH = 216;
  const GAP = 4;
  const BADGE_ROOM = 70;
  // Lanes and pools hold the tasks: a badge may lie on them, not on another shape or label.
  const CONTAINERS = new Set(['bpmn:Participant', 'bpmn:Lane']);

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
    for (const [name, value] of [['waiting', waited], ['working', worked]]) {
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
      waited: hours(row.waited_mean), worked: hours(row.worked_mean),
      budget: hours(row.budget_hours), load: row.load === null ? '–' : percent.format(row.load),
    })));
    node.append(bar(row));
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

  const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width
    && a.y < b.y + b.height && b.y < a.y + a.height;

  // Under the task if that covers no other shape, label or badge; else above, else shifted aside.
  const place = (task, size, taken) => {
    const centre = task.x + (task.width - size.width) / 2;
    const below = task.y + task.height + GAP;
    const above = task.y - GAP - size.height;
    const candidates = [[centre, below], [centre, above], [task.x, below],
      [task.x + task.width - size.width, below], [task.x, above],
      [task.x + task.width - size.width, above]]
      .map(([x, y]) => ({ x, y, ...size }));
    return candidates.find((spot) => !taken.some((other) => overlaps(spot, other)))
      || candidates[0];
  };

  const annotate = (viewer, rows) => {
    const registry = viewer.get('elementRegistry');
    const overlays = viewer.get('overlays');
    const taken = registry.filter((el) => !el.waypoints && el.width && !CONTAINERS.has(el.type));
    for (const row of rows) {
      const task = registry.get(row.step);
      // A step of an older version of the model has no task on today's diagram: the table has it.
      if (task) {
        const node = badge(row);
        // Measured where it will be shown, then put where it covers nothing.
        const id = overlays.add(task, 'step-timings', { position: { top: 0, left: 0 }, html: node });
        const spot = place(task, { width: node.offsetWidth, height: node.offsetHeight },
          taken.filter((other) => other !== task && other !== task.label));
        overlays.remove(id);
        overlays.add(task, 'step-timings', {
          position: { top: spot.y - task.y, left: spot.x - task.x }, html: node });
        taken.push(spot);
      }
    }
  };

  const fetched = (url, read) => fetch(url, { credentials: 'same-origin' })
    .then((response) => (response.ok ? read(response) : Promise.reject(response.status)));

  const draw = async () => {
    const [xml, timings] = await Promise.all([
      fetched(text.diagram, (r) => r.text()), fetched(text.timings, (r) => r.json())]);
    const viewer = new BpmnJS({ container: box });
    await viewer.importXML(xml);
    frame(viewer.get('canvas'));
    annotate(viewer, timings.rows);
    box.viewer = viewer;
  };

  draw().catch((error) => {
    const message = document.getElementById('diagram-error');
    message.textContent = text.failed;
    message.hidden = false;
    console.warn('diagram not drawn', error);
  });
})();
