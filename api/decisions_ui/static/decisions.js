// The decision tables editor: draws the table with dmn-js and posts the edited XML back.
(function () {
  'use strict';
  const container = document.getElementById('decision-editor');
  const form = document.getElementById('save-decision');
  const source = document.getElementById('decision-xml');
  if (!container || !form || !source) {
    return;
  }
  const modeler = new window.DmnJS({ container: container });

  async function open() {
    try {
      await modeler.importXML(source.value);
      const table = modeler.getViews().find((view) => view.type === 'decisionTable');
      if (table) {
        await modeler.open(table);
      }
      container.dataset.ready = 'true';
    } catch (error) {
      const message = document.createElement('p');
      message.className = 'alert';
      message.setAttribute('role', 'alert');
      message.textContent = `${container.dataset.failed} ${error.message}`;
      container.replaceChildren(message);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { xml } = await modeler.saveXML({ format: true });
    source.value = xml;
    form.submit();
  });

  open();
}());
