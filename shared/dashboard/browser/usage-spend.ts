/**
 * The Usage view's spend table: per tenant and project, the cost per hour of its placed jobs
 * against its budget in money (GET /v1/usage `cost`), with a bar where a budget is set. Rows only
 * for who spends or has a budget; nothing for a server that does not report cost.
 */
import { h, headRow } from './dom.js';
import type { UsageCost, UsageView } from './types.js';

type Item = UsageView['items'][number];

export function money(n: number, currency: string): string {
  const text = Number.isInteger(n) ? String(n) : n.toFixed(2);
  return currency === 'USD' ? '$' + text + '/h' : text + ' ' + currency + '/h';
}

export function spendTable(
  items: Item[],
  projectName: (u: Item) => string | undefined,
): HTMLElement | null {
  const rows: HTMLTableRowElement[] = [];
  for (const u of items) {
    const c = u.cost;
    if (!c || (c.perHour === 0 && c.budget === null)) continue;
    const tenant = u.kind === 'tenant';
    rows.push(
      h('tr', { dataset: { usage: u.id } }, [
        h('td', null, [
          h('strong', { text: tenant ? u.tenantId : projectName(u) }),
          h('div', { class: 'muted', text: tenant ? 'tenant' : 'project' }),
        ]),
        h('td', { class: 'spend', text: money(c.perHour, c.currency) }),
        h('td', {
          class: 'budget',
          text: c.budget === null ? 'no budget' : money(c.budget, c.currency),
        }),
        h('td', null, c.budget === null ? null : budgetBar(c, c.budget)),
      ]),
    );
  }
  if (!rows.length) return null;
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'grid', id: 'usage-spend' }, [
      headRow(['Who', 'Spend', 'Budget', '']),
      h('tbody', null, rows),
    ]),
  );
}

function budgetBar(c: UsageCost, budget: number): HTMLDivElement {
  const pct = budget > 0 ? Math.min(100, Math.round((c.perHour / budget) * 100)) : 100;
  const fill = h('span');
  fill.style.width = pct + '%';
  const bar = h(
    'div',
    {
      class: 'bar' + (c.perHour >= budget ? ' full' : ''),
      role: 'meter',
      'aria-valuemin': 0,
      'aria-valuemax': budget,
      'aria-valuenow': c.perHour,
    },
    fill,
  );
  return h('div', { class: 'gpu' }, bar);
}
