/**
 * `usage`: GPUs in use by accelerator type against quota, per tenant and project (GET /v1/usage),
 * so a user sees why a job waits as pending before asking an operator.
 */
import { expectPositionals, str, type Command } from '../args.js';
import { json, table } from '../format.js';

interface UsageLine {
  kind: 'tenant' | 'project';
  tenantId: string;
  project: string | null;
  gpus: Array<{ type: string; inUse: number; quota: number | null }>;
}

/** One row per accelerator type: who (tenant, or tenant/project), type, in use, quota, left. */
export function renderUsage(items: UsageLine[]): string {
  if (items.length === 0) return 'No usage to show: no quota is set and no GPUs are in use.';
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
  summary: 'GPUs in use by type against quota, per tenant and project',
  usage: `Usage: switchyard usage [--tenant T]

GPUs in use by accelerator type against the quotas of the routing policy (GET /v1/usage), for
your tenant (with a token for every project) and each project your token may use. A job that
would pass a quota waits as pending until its GPUs free up.

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
