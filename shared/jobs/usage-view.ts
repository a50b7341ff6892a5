/**
 * GPU usage against quota, and spend per hour against budgets in money, as a tenant sees it: its
 * own counters, quotas and budgets, and those of each project its token may use. Read from the
 * usage counters the dispatch path keeps (the same ones quotas and budgets are enforced on), so
 * the figures are what placement sees, on every store driver.
 */
import { AppError } from '../base/errors.js';
import type { Principal } from '../domain/principal.js';
import { canUseProject, requireScope } from '../domain/principal.js';
import type { CompiledQuota } from '../policy/compile.js';
import type { CoreContext } from '../context/core-context.js';
import type { PolicyService } from '../policy/service.js';
import { fromSpendUnits, projectSpendKey, tenantSpendKey } from '../placement/budget.js';

export interface UsageLine {
  /** Accelerator type, or `total` for every type together. */
  type: string;
  inUse: number;
  /** The policy's limit; `null`: no quota. */
  quota: number | null;
}

/** Spend against a budget in money: the cost per hour of the placed jobs (`placement/budget.ts`). */
export interface CostLine {
  perHour: number;
  /** The policy's `maxCostPerHour`; `null`: no budget. */
  budget: number | null;
  currency: string;
}

export interface UsageItem {
  /** `tenant:<tenant>` or `project:<tenant>/<project>`. */
  id: string;
  kind: 'tenant' | 'project';
  tenantId: string;
  project: string | null;
  gpus: UsageLine[];
  cost: CostLine;
}

function costLine(counters: Record<string, number>, key: string, q: CompiledQuota | undefined) {
  return {
    perHour: fromSpendUnits(counters[key] ?? 0),
    budget: q?.maxCostPerHour ?? null,
    currency: q?.currency ?? 'USD',
  };
}

function lines(
  counters: Record<string, number>,
  prefix: string,
  types: readonly string[],
  quota: CompiledQuota | undefined,
): UsageLine[] {
  const line = (type: string, max: number | undefined): UsageLine => ({
    type,
    inUse: counters[`${prefix}:${type}`] ?? 0,
    quota: max ?? null,
  });
  return [
    ...types
      .filter((t) => (counters[`${prefix}:${t}`] ?? 0) > 0 || quota?.gpus.has(t))
      .map((t) => line(t, quota?.gpus.get(t))),
    line('total', quota?.totalGpus),
  ];
}

const TENANT_ID = /^[a-z0-9]([-a-z0-9]{1,61}[a-z0-9])$/;

export interface UsageQuery {
  /** `?tenant=`: one tenant's usage; another tenant's only for an admin-tenant token for `*`. */
  tenant?: string;
  /** auth.adminTenant: its tokens for every project see every tenant. */
  adminTenant: string;
}

type Compiled = Awaited<ReturnType<PolicyService['compiled']>>;

/** Which tenants to show: the one asked for, every tenant (admins), or the caller's own. */
function tenantsWanted(principal: Principal, q: UsageQuery): string[] | 'all' {
  const admin = principal.tenantId === q.adminTenant && principal.projects.includes('*');
  if (q.tenant === undefined) return admin ? 'all' : [principal.tenantId];
  if (!TENANT_ID.test(q.tenant)) {
    throw new AppError(
      'BAD_REQUEST',
      `tenant must be a tenant id (3-63 lower-case letters, digits and -), got ${JSON.stringify(q.tenant.slice(0, 80))}`,
      { details: { tenant: q.tenant.slice(0, 80) } },
    );
  }
  if (q.tenant !== principal.tenantId && !admin) {
    throw new AppError(
      'FORBIDDEN',
      `only a ${q.adminTenant} tenant token for every project sees another tenant's usage; leave out tenant= to see your own`,
      { details: { tenantId: q.tenant } },
    );
  }
  return [q.tenant];
}

/**
 * The caller's tenant first, then its visible projects in name order; an admin-tenant token for
 * every project sees every tenant (its own first, then by name) unless `tenant=` picks one.
 */
export async function tenantUsage(
  ctx: CoreContext,
  policies: PolicyService,
  principal: Principal,
  q: UsageQuery,
): Promise<{ items: UsageItem[] }> {
  requireScope(principal, 'jobs:read');
  const wanted = tenantsWanted(principal, q);
  const one = wanted === 'all' ? '' : `${wanted[0]}`;
  const { usage } = ctx.store;
  const [policy, tenantCounters, projectCounters, tenantSpend, projectSpend] = await Promise.all([
    policies.compiled(),
    usage.list(one ? `tenant:${one}:` : 'tenant:'),
    usage.list(one ? `project:${one}/` : 'project:'),
    one ? usage.get([tenantSpendKey(one)]) : usage.list('spend:tenant:'),
    usage.list(one ? projectSpendKey(one, '') : 'spend:project:'),
  ]);
  const spend = { ...tenantSpend, ...projectSpend };
  const counters = { ...tenantCounters, ...projectCounters };
  let tenants = wanted === 'all' ? [] : wanted;
  if (wanted === 'all') {
    const found = new Set<string>([principal.tenantId, ...policy.tenantQuotas.keys()]);
    for (const key of policy.projectQuotas.keys()) found.add(key.slice(0, key.indexOf('/')));
    for (const key of Object.keys(counters)) {
      found.add(key.slice(key.indexOf(':') + 1).split(/[:/]/)[0]!);
    }
    found.delete(principal.tenantId);
    tenants = [principal.tenantId, ...[...found].sort()];
  }
  const items: UsageItem[] = [];
  for (const tenantId of tenants) {
    // Another tenant's lines (admins only): every project of it, as a token for `*` would see.
    const viewer = tenantId === principal.tenantId ? principal : { ...principal, projects: ['*'] };
    items.push(...usageOfTenant(policy, counters, spend, tenantId, viewer));
  }
  return { items };
}

/**
 * One tenant's lines. The tenant's own line adds up every project, so only a token for all
 * projects (`*`) sees it: a token bounded to some projects learns nothing of the others, not even
 * through a total.
 */
function usageOfTenant(
  policy: Compiled,
  counters: Record<string, number>,
  spend: Record<string, number>,
  tenantId: string,
  principal: Principal,
): UsageItem[] {
  const types = new Set<string>();
  const projects = new Set<string>();
  for (const key of Object.keys(counters)) {
    if (!key.startsWith(`tenant:${tenantId}:`) && !key.startsWith(`project:${tenantId}/`)) continue;
    const type = key.slice(key.lastIndexOf(':') + 1);
    if (type !== 'total') types.add(type);
    if (key.startsWith('project:'))
      projects.add(key.slice(`project:${tenantId}/`.length, key.lastIndexOf(':')));
  }
  for (const [key, q] of policy.projectQuotas) {
    if (key.startsWith(`${tenantId}/`)) projects.add(key.slice(tenantId.length + 1));
    if (key.startsWith(`${tenantId}/`)) for (const t of q.gpus.keys()) types.add(t);
  }
  for (const t of policy.tenantQuotas.get(tenantId)?.gpus.keys() ?? []) types.add(t);
  if (tenantId === principal.tenantId) {
    for (const p of principal.projects) if (p !== '*') projects.add(p);
  }
  const sortedTypes = [...types].sort();
  const items: UsageItem[] = [];
  if (principal.projects.includes('*')) {
    items.push({
      id: `tenant:${tenantId}`,
      kind: 'tenant',
      tenantId,
      project: null,
      gpus: lines(counters, `tenant:${tenantId}`, sortedTypes, policy.tenantQuotas.get(tenantId)),
      cost: costLine(spend, tenantSpendKey(tenantId), policy.tenantQuotas.get(tenantId)),
    });
  }
  for (const project of [...projects].sort()) {
    if (!canUseProject(principal, project)) continue;
    const prefix = `project:${tenantId}/${project}`;
    const quota = policy.projectQuotas.get(`${tenantId}/${project}`);
    items.push({
      id: prefix,
      kind: 'project',
      tenantId,
      project,
      gpus: lines(counters, prefix, sortedTypes, quota),
      cost: costLine(spend, projectSpendKey(tenantId, project), quota),
    });
  }
  return items;
}
