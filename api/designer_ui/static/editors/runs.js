// The "Chạy thử" and "Chuyển phiên bản" tabs: a trial run of the open version (its path,
// deadlines and outcome) and the dry run of moving running dossiers onto a version.
import { bilingual, el, failure, moment, status } from './dom.js';

const OUTCOMES = {
  early: 'Trước hạn (early)',
  on_time: 'Đúng hạn (on time)',
  late: 'Trễ hạn (late)',
};

const procedurePath = (code) => `procedures/${encodeURIComponent(code)}`;

function table(head, rows, testid) {
  return el('table', { class: 'ed-table', 'data-testid': testid },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))));
}

export function createTrialRun(root) {
  let ctx = null;
  const line = el('div', { class: 'ed-status', role: 'status', 'data-testid': 'trial-status' });
  const result = el('div', { class: 'ed-run', 'data-testid': 'trial-result' });
  const button = el('button', { type: 'button', 'data-testid': 'trial-run', onclick: run },
    ...bilingual('Chạy thử', 'trial run'));
  root.append(el('p', { class: 'hint' }, ...bilingual(
    'Một hồ sơ mẫu đi qua phiên bản đang mở: mỗi bước dùng hết thời gian cho phép. Không ghi '
    + 'gì vào hệ thống.', 'a sample dossier runs through the open version; nothing is stored')),
  button, line, result);

  async function run() {
    if (!ctx?.version) return;
    status(line, 'info', ...bilingual('Đang chạy thử…', 'running'));
    result.replaceChildren();
    try {
      const trial = await ctx.client.request('POST',
        `${procedurePath(ctx.code)}/versions/${ctx.version.number}/trial-run`, {});
      show(trial);
      status(line, trial.error ? 'error' : 'ok', ...bilingual(
        `Đã chạy thử v${ctx.version.number}`, 'trial run done'));
    } catch (err) {
      status(line, 'error', failure(err));
      if (Array.isArray(err.details?.problems)) {
        result.append(el('ul', {}, ...err.details.problems.map((p) => el('li', {}, p.message))));
      }
    }
  }

  function show(trial) {
    const outcome = trial.outcome ? OUTCOMES[trial.outcome] || trial.outcome : 'Chưa xử lý xong (not processed)';
    result.replaceChildren(...[
      el('dl', { class: 'ed-facts' },
        el('dt', {}, ...bilingual('Tiếp nhận', 'received')), el('dd', {}, moment(trial.started_at)),
        el('dt', {}, ...bilingual('Hẹn trả', 'appointment')),
        el('dd', { 'data-testid': 'trial-appointment' }, moment(trial.appointment_at),
          trial.first_appointment_at !== trial.appointment_at
            ? ` (hẹn lần đầu ${moment(trial.first_appointment_at)})` : ''),
        el('dt', {}, ...bilingual('Xử lý xong', 'processed')), el('dd', {}, moment(trial.processed_at)),
        el('dt', {}, ...bilingual('Kết quả', 'outcome')),
        el('dd', { 'data-testid': 'trial-outcome', class: `outcome ${trial.outcome || 'none'}` },
          outcome, trial.within_appointment ? ' — trong hạn hẹn (within the appointment)' : ''),
        el('dt', {}, ...bilingual('Trạng thái cuối', 'final status')),
        el('dd', {}, `${trial.status_label_vi || trial.status}${trial.finished ? '' : ' — chưa kết thúc (not finished)'}`)),
      trial.error ? el('p', { class: 'ed-status error', 'data-testid': 'trial-error' }, trial.error) : null,
      el('h4', {}, ...bilingual('Đường đi', 'path')),
      table(['#', 'Bước (step)', 'Bộ phận (department)', 'Bắt đầu (ready)', 'Hạn (due)',
        'Hoàn thành (done)', 'Hướng xử lý (variant)'],
      trial.path.map((step, index) => [String(index + 1), `${step.name} (${step.step})`,
        step.department || '—', moment(step.ready_at), moment(step.due_at),
        moment(step.completed_at), step.variant]), 'trial-path'),
    ].filter(Boolean));
  }

  return {
    setVersion(detail) {
      ctx = detail;
      button.disabled = !detail.version;
      result.replaceChildren();
      status(line, 'info', '');
    },
  };
}

export function createMigrationPlan(root) {
  let ctx = null;
  const target = el('select', { 'data-testid': 'migration-target', 'aria-label': 'Phiên bản đích (target version)' });
  const line = el('div', { class: 'ed-status', role: 'status', 'data-testid': 'migration-status' });
  const result = el('div', { 'data-testid': 'migration-result' });
  root.append(el('p', { class: 'hint' }, ...bilingual(
    'Kiểm tra từng hồ sơ đang giải quyết có chuyển sang phiên bản đích được không. Chưa chuyển gì.',
    'dry run: checks each running dossier, moves nothing')),
  el('div', { class: 'ed-inline' }, el('label', {}, ...bilingual('Phiên bản đích', 'target')), target,
    el('button', { type: 'button', 'data-testid': 'migration-plan', onclick: plan },
      ...bilingual('Kiểm tra chuyển hồ sơ', 'plan the move'))), line, result);

  async function plan() {
    status(line, 'info', ...bilingual('Đang kiểm tra…', 'checking'));
    result.replaceChildren();
    try {
      const checks = await ctx.client.request('POST', `${procedurePath(ctx.code)}/migrations/plan`,
        { target_version: Number(target.value) });
      const movable = checks.filter((c) => c.can_move).length;
      status(line, 'ok', ...bilingual(
        `${checks.length} hồ sơ đang giải quyết, ${movable} chuyển được sang v${target.value}`,
        `${movable} of ${checks.length} can move`));
      result.replaceChildren(table(['Hồ sơ (dossier)', 'Đang ở (on version)', 'Chuyển được? (can move)', 'Lý do (reason)'],
        checks.map((c) => [c.dossier_code, c.from_version ? `v${c.from_version}` : '—',
          c.can_move ? 'Được (yes)' : 'Không (no)', c.reason || '']), 'migration-checks'));
    } catch (err) {
      status(line, 'error', failure(err));
    }
  }

  return {
    async setVersion(detail) {
      ctx = detail;
      result.replaceChildren();
      status(line, 'info', '');
      if (!detail.version) {
        target.replaceChildren();
        return;
      }
      try {
        const versions = await detail.client.request('GET', `${procedurePath(detail.code)}/versions`);
        target.replaceChildren(...versions.sort((a, b) => b.number - a.number).map((v) => el('option',
          { value: String(v.number) }, `v${v.number} · ${v.state}`)));
        target.value = String(detail.version.number);
      } catch (err) {
        status(line, 'error', failure(err));
      }
    },
  };
}
