// The motcua group of the properties panel: what the engine needs of each element, with
// Vietnamese labels first. Entry ids (ENTRY) are what a problem's click focuses.
import {
  CheckboxEntry, Group, SelectEntry, TextFieldEntry, isCheckboxEntryEdited, isSelectEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { getProperty, setProperty } from './extension.js';
import {
  HOURS_PER_HALF_DAY, ROLES, STATUSES, TIMER_HELPERS, formOptions, lists,
} from './vocabulary.js';

export const ENTRY = {
  form: 'motcua-form',
  budget: 'motcua-budget',
  halfDays: 'motcua-budget-half-days',
  role: 'motcua-role',
  status: 'motcua-status',
  counted: 'motcua-counted',
  department: 'motcua-department',
  timer: 'motcua-timer',
  timerHelper: 'motcua-timer-helper',
};

// Our entries write on every keystroke: a save right after typing must see the value.
const immediately = (fn) => fn;

function useProperty(element, name) {
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  return {
    getValue: () => getProperty(element, name) ?? '',
    setValue: (value) => setProperty(element, name, value, { bpmnFactory, commandStack }),
  };
}

/** A number of hours as the engine reads it, or null: "4", "2,5" and "2.5" are numbers. */
function hours(text) {
  const value = Number(String(text).trim().replace(',', '.'));
  return String(text).trim() !== '' && Number.isFinite(value) && value >= 0 ? value : null;
}

function FormEntry({ element }) {
  const property = useProperty(element, 'form');
  return SelectEntry({
    element, id: ENTRY.form, label: 'Biểu mẫu của bước (form)', ...property,
    getOptions: () => {
      const options = formOptions();
      const current = property.getValue();
      if (current && !options.some((o) => o.value === current)) {
        options.push({ value: current, label: `${current} (không tìm thấy — not found)` });
      }
      return [{ value: '', label: '— Chọn biểu mẫu (choose a form) —' }, ...options];
    },
  });
}

function BudgetEntry({ element }) {
  const property = useProperty(element, 'budget_hours');
  return TextFieldEntry({
    element, id: ENTRY.budget, label: 'Thời hạn xử lý: số giờ làm việc (budget, working hours)',
    description: 'Ví dụ 4 cho nửa ngày, 8 cho một ngày (e.g. 4 for half a day)',
    debounce: immediately, ...property,
    validate: (text) => (text === '' || hours(text) !== null ? null
      : 'Nhập một số giờ không âm (a non-negative number of hours)'),
    setValue: (text) => property.setValue(hours(text) ?? text),
  });
}

function HalfDaysEntry({ element }) {
  const property = useProperty(element, 'budget_hours');
  return TextFieldEntry({
    element, id: ENTRY.halfDays, label: 'hoặc số buổi — nửa ngày làm việc (or half days)',
    debounce: immediately,
    getValue: () => {
      const value = hours(property.getValue());
      return value === null ? '' : String(value / HOURS_PER_HALF_DAY);
    },
    validate: (text) => (text === '' || hours(text) !== null ? null
      : 'Nhập một số buổi không âm (a non-negative number of half days)'),
    setValue: (text) => {
      const value = hours(text);
      property.setValue(value === null ? '' : value * HOURS_PER_HALF_DAY);
    },
  });
}

function RoleEntry({ element }) {
  return SelectEntry({
    element, id: ENTRY.role, label: 'Ai làm bước này (role)', ...useProperty(element, 'role'),
    getOptions: () => ROLES.map(([value, label]) => ({ value, label })),
  });
}

function StatusEntry({ element }) {
  const open = is(element, 'bpmn:UserTask');
  return SelectEntry({
    element, id: ENTRY.status,
    label: open ? 'Trạng thái hồ sơ khi bước đang mở (status while open)'
      : 'Trạng thái hồ sơ khi kết thúc (status at this end)',
    ...useProperty(element, 'status'),
    getOptions: () => [{ value: '', label: '— Không đổi (unchanged) —' },
      ...STATUSES.map(([code, label]) => ({ value: String(code), label: `${code} · ${label}` }))],
  });
}

function CountedEntry({ element }) {
  const property = useProperty(element, 'counted');
  return CheckboxEntry({
    element, id: ENTRY.counted, label: 'Tính vào thời hạn giải quyết (counted against the deadline)',
    getValue: () => property.getValue() !== 'false',
    // Counted is the engine's default: only "false" is written.
    setValue: (checked) => property.setValue(checked ? '' : 'false'),
  });
}

function DepartmentEntry({ element }) {
  const modeling = useService('modeling');
  return SelectEntry({
    element, id: ENTRY.department, label: 'Phòng ban của làn (department)',
    description: 'Tên làn là mã phòng ban mà máy quy trình đọc (the lane\'s name is its code)',
    getValue: () => getBusinessObject(element).name || '',
    setValue: (code) => modeling.updateProperties(element, { name: code || undefined }),
    getOptions: () => {
      const options = lists.departments.map((d) => ({ value: d.code, label: `${d.code} — ${d.name_vi}` }));
      const current = getBusinessObject(element).name;
      if (current && !options.some((o) => o.value === current)) {
        options.push({ value: current, label: `${current} (không phải mã phòng ban — not a department)` });
      }
      return [{ value: '', label: '— Chọn phòng ban (choose a department) —' }, ...options];
    },
  });
}

function timerDefinition(element) {
  const definitions = getBusinessObject(element).get('eventDefinitions') || [];
  return definitions.find((d) => is(d, 'bpmn:TimerEventDefinition')) || null;
}

function useTimerExpression(element) {
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const definition = timerDefinition(element);
  return {
    getValue: () => definition.get('timeDate')?.get('body') || '',
    setValue: (body) => {
      const expression = bpmnFactory.create('bpmn:FormalExpression', { body: body || undefined });
      expression.$parent = definition;
      commandStack.execute('element.updateModdleProperties', {
        element, moddleElement: definition,
        properties: { timeDate: expression, timeDuration: undefined, timeCycle: undefined },
      });
    },
  };
}

function TimerEntry({ element }) {
  return TextFieldEntry({
    element, id: ENTRY.timer, label: 'Hẹn giờ: thời điểm (timer, timeDate expression)',
    description: `Các hàm (helpers): ${TIMER_HELPERS.map(([call]) => call).join(', ')}`,
    debounce: immediately, ...useTimerExpression(element),
  });
}

function TimerHelperEntry({ element }) {
  const expression = useTimerExpression(element);
  return SelectEntry({
    element, id: ENTRY.timerHelper, label: 'Gợi ý biểu thức (suggestions)',
    getValue: () => expression.getValue(),
    setValue: (call) => call && expression.setValue(call),
    getOptions: () => {
      const current = expression.getValue();
      const known = TIMER_HELPERS.some(([call]) => call === current);
      return [{ value: known ? '' : current, label: '— Chọn để điền (pick to fill in) —' },
        ...TIMER_HELPERS.map(([call, label]) => ({ value: call, label: `${call} — ${label}` }))];
    },
  });
}

const select = (id, component) => ({ id, component, isEdited: isSelectEntryEdited });
const text = (id, component) => ({ id, component, isEdited: isTextFieldEntryEdited });

function entriesOf(element) {
  if (is(element, 'bpmn:UserTask')) {
    return [select(ENTRY.form, FormEntry), text(ENTRY.budget, BudgetEntry),
      text(ENTRY.halfDays, HalfDaysEntry), select(ENTRY.role, RoleEntry),
      select(ENTRY.status, StatusEntry),
      { id: ENTRY.counted, component: CountedEntry, isEdited: isCheckboxEntryEdited }];
  }
  if (is(element, 'bpmn:Lane')) return [select(ENTRY.department, DepartmentEntry)];
  if (is(element, 'bpmn:EndEvent')) return [select(ENTRY.status, StatusEntry)];
  if (is(element, 'bpmn:Event') && timerDefinition(element)) {
    return [text(ENTRY.timer, TimerEntry), select(ENTRY.timerHelper, TimerHelperEntry)];
  }
  return [];
}

class MotcuaPropertiesProvider {
  constructor(propertiesPanel) {
    // Above the library's own groups (priority 500), so the engine's needs come first.
    propertiesPanel.registerProvider(400, this);
  }

  getGroups(element) {
    return (groups) => {
      const entries = entriesOf(element).map((entry) => ({ ...entry, element }));
      if (!entries.length) return groups;
      const group = {
        id: 'motcua', label: 'Một cửa: quy trình (motcua)', component: Group, entries, shouldOpen: true,
      };
      const general = groups.findIndex((g) => g.id === 'general');
      groups.splice(general + 1, 0, group);
      return groups;
    };
  }
}
MotcuaPropertiesProvider.$inject = ['propertiesPanel'];

export default {
  __init__: ['motcuaPropertiesProvider'],
  motcuaPropertiesProvider: ['type', MotcuaPropertiesProvider],
};
