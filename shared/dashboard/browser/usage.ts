/**
 * The Usage view: GPUs in use against quota for the caller's tenant (for a token of every
 * project) and each project its token may use (GET /v1/usage), with a bar where a quota is set;
 * then spend per hour against the budgets in money (`usage-spend.ts`).
 */
import { api } from './api.js';
import { changed, current, type View } from './core.js';
import { $, h, headRow, replace } from './dom.js';
import type { UsageGpu, UsageView } from './types.js';
import { spendTable } from './usage-spend.js';

export const usageView: View = {
  async load() {
    const view = await api<UsageView>('GET', '/v1/usage');
    if (!changed('usage', view)) return;
    const rows: HTMLTableRowElement[] = [];
    for (const u of view.items) {
      const tenant = u.kind === 'tenant';
      u.gpus.forEach((g, i) => {
        const who =
          i === 0
            ? [
                h('strong', { text: tenant ? u.tenantId : projectName(u) }),
                h('div', { class: 'muted', text: tenant ? 'tenant' : 'project' }),
              ]
            : null;
        rows.push(
          h('tr', { dataset: { usage: u.id, type: g.type } }, [
            h('td', null, who),
            h('td', { class: 'mono', text: g.type === 'total' ? 'all types' : g.type }),
            h('td', { class: 'in-use', text: String(g.inUse) }),
            h('td', { class: 'quota', text: g.quota === null ? 'no quota' : String(g.quota) }),
            h('td', null, g.quota === null ? null : quotaBar(g, g.quota)),
          ]),
        );
      });
    }
    const first = view.items[0];
    replace($('usage-body'), [
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid', id: 'usage-table' }, [
          headRow(['Who', 'Accelerator', 'GPUs in use', 'Quota', '']),
          h('tbody', null, rows),
        ]),
      ),
      spendTable(view.items, projectName),
      first && first.kind === 'tenant'
        ? null
        : h('p', {
            class: 'muted',
            id: 'usage-projects-only',
            text: 'This token is limited to some projects, so it sees their usage only, not the tenant total.',
          }),
      h('p', {
        class: 'muted',
        text:
          'Quotas and budgets (maxCostPerHour) come from the routing policy (quotas.tenants, ' +
          "quotas.projects); a job's cost is its GPUs × its pool's price per GPU-hour. " +
          'A job that would pass a quota or a budget waits as pending until usage falls.',
      }),
    ]);
  },
};

/** Another tenant's project (admins see every tenant) is named with its tenant. */
function projectName(u: UsageView['items'][number]): string | undefined {
  const own = !current.me || u.tenantId === current.me.tenantId;
  return own ? u.project : u.tenantId + '/' + u.project;
}

function quotaBar(g: UsageGpu, quota: number): HTMLDivElement {
  const pct = quota > 0 ? Math.min(100, Math.round((g.inUse / quota) * 100)) : 100;
  const fill = h('span');
  fill.style.width = pct + '%';
  const bar = h(
    'div',
    {
      class: 'bar' + (g.inUse >= quota ? ' full' : ''),
      role: 'meter',
      'aria-valuemin': 0,
      'aria-valuemax': quota,
      'aria-valuenow': g.inUse,
    },
    fill,
  );
  return h('div', { class: 'gpu' }, bar);
}
