// "Thủ tục mới": a procedure created from the generic starting pattern (receive → department
// handles → head checks → leader signs → return), then opened by the page.
import { bilingual, el, failure, row, status } from './dom.js';

export function createNewProcedureDialog({ getClient, departments }) {
  const line = el('div', { class: 'ed-status', role: 'status', 'data-testid': 'new-procedure-status' });
  const code = el('input', { type: 'text', required: true, placeholder: '1.001193',
    'data-testid': 'new-procedure-code' });
  const nameVi = el('input', { type: 'text', required: true, 'data-testid': 'new-procedure-name-vi' });
  const nameEn = el('input', { type: 'text', required: true, 'data-testid': 'new-procedure-name-en' });
  const department = el('select', { required: true, 'data-testid': 'new-procedure-department' });
  const days = el('input', { type: 'number', min: 0, step: 1, value: 5, required: true,
    'data-testid': 'new-procedure-days' });
  const sameDay = el('input', { type: 'checkbox', 'data-testid': 'new-procedure-same-day' });
  const form = el('form', { method: 'dialog', class: 'ed-dialog-form', onsubmit: create },
    el('h2', {}, ...bilingual('Thủ tục mới', 'new procedure')),
    el('p', { class: 'hint' }, ...bilingual('Bắt đầu từ quy trình mẫu: tiếp nhận → bộ phận xử lý → '
      + 'lãnh đạo phòng kiểm tra → lãnh đạo ký → trả kết quả.', 'starts from the generic pattern')),
    row(bilingual('Mã thủ tục', 'code'), code),
    row(bilingual('Tên tiếng Việt', 'Vietnamese name'), nameVi),
    row(bilingual('Tên tiếng Anh', 'English name'), nameEn),
    row(bilingual('Bộ phận giải quyết', 'department'), department),
    row(bilingual('Thời hạn (ngày làm việc)', 'working days'), days),
    el('label', { class: 'ed-check' }, sameDay, ' ', ...bilingual('Giải quyết trong ngày', 'same day')),
    line,
    el('div', { class: 'ed-actions' },
      el('button', { type: 'submit', 'data-testid': 'new-procedure-create' }, ...bilingual('Tạo', 'create')),
      el('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() },
        ...bilingual('Huỷ', 'cancel'))));
  const dialog = el('dialog', { class: 'ed-dialog', 'data-testid': 'new-procedure-dialog' }, form);
  document.body.append(dialog);

  async function create(event) {
    event.preventDefault();
    const body = {
      code: code.value.trim(), name_vi: nameVi.value.trim(), name_en: nameEn.value.trim(),
      department: department.value, working_days: Number(days.value), same_day: sameDay.checked,
      pattern: 'generic',
    };
    status(line, 'info', ...bilingual('Đang tạo…', 'creating'));
    try {
      await getClient().request('POST', 'procedures', body);
      dialog.close();
      document.dispatchEvent(new CustomEvent('motcua:open-procedure', { detail: { code: body.code } }));
    } catch (err) {
      status(line, 'error', failure(err));
    }
  }

  return {
    async open() {
      status(line, 'info', '');
      if (!getClient()) return;
      try {
        department.replaceChildren(...(await departments()).filter((d) => !d.external)
          .map((d) => el('option', { value: d.code }, `${d.code} — ${d.name_vi}`)));
      } catch (err) {
        status(line, 'error', failure(err));
      }
      dialog.showModal();
      code.focus();
    },
  };
}
