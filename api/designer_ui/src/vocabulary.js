// What the motcua entries offer: the page fills `lists` from the API when it opens; the
// fixed words below are the engine's (engine/statuses.py, engine/validation.py STEP_ROLES,
// engine/timing.py TIMER_HELPERS).

export const lists = {
  forms: [], // [{key, title}]: GET /api/v1/forms
  versionForms: {}, // key → JSON Schema: the forms the open version brings
  departments: [], // [{code, name_vi, name_en}]: GET /api/v1/departments
};

// DVCQG dossier statuses, as engine/statuses.py DossierStatus labels them.
export const STATUSES = [
  [1, 'Mới đăng ký'], [2, 'Đã tiếp nhận'], [3, 'Không được tiếp nhận'], [4, 'Đang xử lý'],
  [5, 'Yêu cầu bổ sung'], [6, 'Yêu cầu thực hiện nghĩa vụ tài chính'],
  [7, 'Công dân yêu cầu rút hồ sơ'], [8, 'Dừng xử lý'], [9, 'Đã xử lý xong'],
  [10, 'Đã trả kết quả'],
];

export const ROLES = [
  ['', 'Mọi cán bộ của phòng (anyone in the lane)'],
  ['head', 'Trưởng phòng (head)'],
  ['leader', 'Lãnh đạo (leader)'],
];

// Working hours in a working day (engine/calendar.py HOURS_PER_DAY): half a day is 4.
export const HOURS_PER_HALF_DAY = 4;

// The timer helpers of engine/timing.py, as a designer writes them in a timer's timeDate.
export const TIMER_HELPERS = [
  ['working_days(1)', 'Sau 1 ngày làm việc (1 working day from now)'],
  ['working_days(3)', 'Sau 3 ngày làm việc (3 working days from now)'],
  ['working_hours(4)', 'Sau 4 giờ làm việc — nửa ngày (4 working hours)'],
  ['dossier_due()', 'Đúng hạn trả kết quả của hồ sơ (the dossier\'s appointment)'],
];

/** The forms a step may name: the version's own first, then the files and published ones. */
export function formOptions() {
  const seen = new Set();
  const options = [];
  for (const [key, schema] of Object.entries(lists.versionForms)) {
    seen.add(key);
    options.push({ value: key, label: `${schema.title || key} — ${key} (phiên bản này)` });
  }
  for (const { key, title } of lists.forms) {
    if (seen.has(key)) continue;
    seen.add(key);
    options.push({ value: key, label: title ? `${title} — ${key}` : key });
  }
  return options;
}
