// motcua's properties of a BPMN element, read and written through the modeler's command
// stack (so undo works): <bpmn:extensionElements><spiffworkflow:properties>
// <spiffworkflow:property name="…" value="…"/>, as engine/validation.py reads them.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const UPDATE = 'element.updateModdleProperties';

function propertiesOf(element) {
  const extensions = getBusinessObject(element).get('extensionElements');
  const values = extensions ? extensions.get('values') : [];
  return values.find((value) => is(value, 'spiffworkflow:Properties')) || null;
}

/** Return the value of the property `name`, or undefined. */
export function getProperty(element, name) {
  const container = propertiesOf(element);
  const found = container && container.get('properties').find((p) => p.name === name);
  return found ? found.value : undefined;
}

/** Set the property `name` to `value`, or remove it when value is '' or undefined. */
export function setProperty(element, name, value, { bpmnFactory, commandStack }) {
  const businessObject = getBusinessObject(element);
  const commands = [];
  const update = (moddleElement, properties) => commands.push(
    { cmd: UPDATE, context: { element, moddleElement, properties } });
  const remove = value === undefined || value === '';

  let extensions = businessObject.get('extensionElements');
  let container = propertiesOf(element);
  const existing = container && container.get('properties').find((p) => p.name === name);
  if (remove) {
    if (!existing) return;
    update(container, { properties: container.get('properties').filter((p) => p !== existing) });
  } else if (existing) {
    update(existing, { value: String(value) });
  } else {
    if (!extensions) {
      extensions = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
      extensions.$parent = businessObject;
      update(businessObject, { extensionElements: extensions });
    }
    if (!container) {
      container = bpmnFactory.create('spiffworkflow:Properties', { properties: [] });
      container.$parent = extensions;
      update(extensions, { values: [...extensions.get('values'), container] });
    }
    const property = bpmnFactory.create('spiffworkflow:Property', { name, value: String(value) });
    property.$parent = container;
    update(container, { properties: [...container.get('properties'), property] });
  }
  commandStack.execute('properties-panel.multi-command-executor', commands);
}
