// The link to the open procedure's decision-table editor (/thiet-ke/{code}/bang-quyet-dinh),
// shown only when the open version's business rule tasks read tables.
import { bilingual, el } from './dom.js';

export function createDecisionTablesLink() {
  const node = el('a', { class: 'ed-decisions', 'data-testid': 'decision-tables-link', hidden: true },
    ...bilingual('Bảng quyết định', 'decision tables'));
  let asked = 0;

  return {
    node,
    async setVersion({ client, code, version }) {
      const ask = ++asked;
      node.hidden = true;
      if (!code || !version) return;
      let decisions = {};
      try {
        ({ decisions } = await client.request('GET', `procedures/${encodeURIComponent(code)}`
          + `/versions/${version.number}/decisions`));
      } catch (err) {
        console.warn('decision tables of', code, err);
        return;
      }
      if (ask !== asked) return; // another version was opened meanwhile
      const names = Object.keys(decisions).sort();
      node.href = `/thiet-ke/${encodeURIComponent(code)}/bang-quyet-dinh`;
      node.title = names.join(', ');
      node.hidden = names.length === 0;
    },
  };
}
