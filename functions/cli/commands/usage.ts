/**
 * `usage`: GPUs in use by accelerator type against quota, and spend per hour against budgets in
 * money, per tenant and project (GET /v1/usage), so a user sees why a job waits as pending before
 * asking an operator.
 */
import { expectPositionals, str, type Command } from '../args.js';
import { json, table } from '../format.js';

interface UsageLine {
  kind: 'tenant' | 'project';
  tenantId: string;
  project: string | null;
  gpus: Array<{ type: string; inUse: number; quota: number | null }>;
  /** Absent from servers before budgets in money. */
  cost?: { perHour: number; budget: number | null; currency: string };
}

const money = (n: number, currency: string): string =>
  `${Number.isInteger(n) ? n : n.toFixed(2)} ${currency}`;

/** One row per tenant or project that spends or has a budget: spend/h, budget/h, left/h. */
function renderSpend(items: UsageLine[]): string {
  const rows: string[][] = [];
  for (const u of items) {
    const c = u.cost;
    if (!c || (c.perHour === 0 && c.budget === null)) continue;
    rows.push([
      u.kind === 'tenant' ? `${u.tenantId} (tenant)` : `${u.tenantId}/${u.project}`,
      `${money(c.perHour, c.currency)}/h`,
      c.budget === null ? '-' : `${money(c.budget, c.currency)}/h`,
      c.budget === null ? '-' : `${money(Math.max(0, c.budget - c.perHour), c.currency)}/h`,
    ]);
  }
  return rows.length ? '\n\n' + table(['WHO', 'SPEND', 'BUDGET', 'LEFT'], rows) : '';
}

/** One row per accelerator type: who (tenant, or tenant/project), type, in use, quota, left. */
export function renderUsage(items: UsageLine[]): string {
  if (items.length === 0) return 'No usage to show: no quota is set and no GPUs are in use.';
  return renderGpus(items) + renderSpend(items);
}

function renderGpus(items: UsageLine[]): string {
  const rows: string[][] = [];
  for (const u of items) {
    const who = u.kind === 'tenant' ? `${u.tenantId} (tenant)` : `${u.tenantId}/${u.project}`;
    for (const g of u.gpus) {
      rows.push([
        who,
        g.type === 'total' ? 'all types' : g.type,
        String(g.inUse),
        g.quota === null ? '-' : String(g.quota),
        g.quota === null ? '-' : String(Math.max(0, g.quota - g.inUse)),
      ]);
    }
  }
  return table(['WHO', 'ACCELERATOR', 'IN USE', 'QUOTA', 'FREE'], rows);
}

export const usageCommand: Command = {
  name: 'usage',
  summary: 'GPUs in use by type against quota, and spend against budgets, per tenant and project',
  usage: `Usage: switchyard usage [--tenant T]

GPUs in use by accelerator type against the quotas of the routing policy (GET /v1/usage), for
your tenant (with a token for every project) and each project your token may use; then the
spend per hour of the placed jobs (GPUs × their pool's costPerGpuHour) against the budgets in
money (quotas' maxCostPerHour). A job that would pass a quota or a budget waits as pending until
usage falls.

Options:
  --tenant T   admin tenant only: one tenant's usage (default for admins: every tenant)`,
  options: { tenant: { type: 'string' } },
  async run(ctx, values, positionals) {
    expectPositionals(positionals, []);
    const tenant = str(values, 'tenant');
    const res = await ctx.api().request<{ items: UsageLine[] }>('GET', '/v1/usage', {
      query: { tenant },
    });
    if (ctx.json) return ctx.out(json(res.body));
    ctx.out(renderUsage(res.body.items));
  },
};
