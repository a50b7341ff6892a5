/**
 * GPU usage against quota as a tenant sees it: its own counters and quotas, and those of each
 * project its token may use. Read from the usage counters the dispatch path keeps (the same ones
 * quotas are enforced on), so the figures are what placement sees, on every store driver.
 */
import type { Principal } from '../domain/principal.js';
import { canUseProject, requireScope } from '../domain/principal.js';
import type { CompiledQuota } from '../policy/compile.js';
import type { CoreContext } from '../context/core-context.js';
import type { PolicyService } from '../policy/service.js';

export interface UsageLine {
  /** Accelerator type, or `total` for every type together. */
  type: string;
  inUse: number;
  /** The policy's limit; `null`: no quota. */
  quota: number | null;
}

export interface UsageItem {
  /** `tenant:<tenant>` or `project:<tenant>/<project>`. */
  id: string;
  kind: 'tenant' | 'project';
  tenantId: string;
  project: string | null;
  gpus: UsageLine[];
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

/**
 * The caller's tenant first, then its visible projects in name order. The tenant's own line adds up
 * every project, so only a token for all projects (`*`) sees it: a token bounded to some projects
 * learns nothing of the others, not even through a total.
 */
export async function tenantUsage(
  ctx: CoreContext,
  policies: PolicyService,
  principal: Principal,
): Promise<{ items: UsageItem[] }> {
  requireScope(principal, 'jobs:read');
  const tenantId = principal.tenantId;
  const [policy, tenantCounters, projectCounters] = await Promise.all([
    policies.compiled(),
    ctx.store.usage.list(`tenant:${tenantId}:`),
    ctx.store.usage.list(`project:${tenantId}/`),
  ]);
  const counters = { ...tenantCounters, ...projectCounters };
  const types = new Set<string>();
  const projects = new Set<string>();
  for (const key of Object.keys(counters)) {
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
  for (const p of principal.projects) if (p !== '*') projects.add(p);
  const sortedTypes = [...types].sort();
  const items: UsageItem[] = [];
  if (principal.projects.includes('*')) {
    items.push({
      id: `tenant:${tenantId}`,
      kind: 'tenant',
      tenantId,
      project: null,
      gpus: lines(counters, `tenant:${tenantId}`, sortedTypes, policy.tenantQuotas.get(tenantId)),
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
    });
  }
  return { items };
}
