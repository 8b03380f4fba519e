// Where each problem is fixed: the element to select and the panel entry to focus. The
// messages are engine/validation.py's; a lane problem is fixed on the step's lane.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { ENTRY } from './provider.js';

const STEP_FIXES = [
  [/'form'|^form '/, ENTRY.form],
  [/budget_hours/, ENTRY.budget],
  [/'role'/, ENTRY.role],
  [/'counted'/, ENTRY.counted],
  [/'status'/, ENTRY.status],
];

/** Return {element, entry} for a problem on a diagram element; entry may be null. */
export function fixOf(problem, element, registry) {
  const message = problem.message || '';
  if (is(element, 'bpmn:UserTask') && /^lane '/.test(message)) {
    const lane = (getBusinessObject(element).get('lanes') || [])[0];
    const shape = lane && registry.get(lane.id);
    if (shape) return { element: shape, entry: ENTRY.department };
  }
  if (is(element, 'bpmn:Event') && /time|timer|expression|working_/i.test(message)) {
    return { element, entry: ENTRY.timer };
  }
  const fix = STEP_FIXES.find(([pattern]) => pattern.test(message));
  return { element, entry: fix ? fix[1] : null };
}

/** Tell whether a problem is about the procedure's metadata or forms: the editors fix it. */
export function isEditorsProblem(problem) {
  return /^(meta|forms)\./.test(problem.element || '');
}
