/**
 * Usage counters that placement reads and the store's atomic reservation writes. Keys:
 *   tenant:<tenant>:<accelerator>            GPUs of that type in use by the tenant
 *   tenant:<tenant>:total                    GPUs of every type in use by the tenant
 *   project:<tenant>/<project>:<accelerator> same, per project
 *   project:<tenant>/<project>:total
 *   cluster:<cluster>:<accelerator>          GPUs Switchyard has placed on the cluster
 *   cluster:<cluster>:jobs                   jobs Switchyard has placed on the cluster (spread)
 */
import type { UsageDelta } from '../store/port.js';
import { EMPTY_POLICY, type CompiledPolicy, type CompiledQuota } from '../policy/compile.js';

export interface UsageKey {
  key: string;
  /** `gpus` counters move by the job's GPU count, `jobs` counters by one. */
  unit: 'gpus' | 'jobs';
  /** The quota the counter must not exceed, when the policy sets one. */
  max?: number;
}

export const clusterJobsKey = (clusterId: string): string => `cluster:${clusterId}:jobs`;

function quotaKeys(prefix: string, acc: string, q: CompiledQuota | undefined): UsageKey[] {
  const perType = q?.gpus.get(acc);
  return [
    { key: `${prefix}:${acc}`, unit: 'gpus', ...(perType !== undefined && { max: perType }) },
    {
      key: `${prefix}:total`,
      unit: 'gpus',
      ...(q?.totalGpus !== undefined && { max: q.totalGpus }),
    },
  ];
}

/** The tenant and project counters a job with this accelerator moves, with their quotas. */
export function quotaUsageKeys(
  policy: CompiledPolicy,
  tenantId: string,
  project: string,
  accelerator: string,
): UsageKey[] {
  return [
    ...quotaKeys(`tenant:${tenantId}`, accelerator, policy.tenantQuotas.get(tenantId)),
    ...quotaKeys(
      `project:${tenantId}/${project}`,
      accelerator,
      policy.projectQuotas.get(`${tenantId}/${project}`),
    ),
  ];
}

/**
 * Every counter a job placed on `clusterId` moves, and the `max` each must respect. A CPU-only job
 * (no accelerator) moves only `cluster:<id>:jobs`.
 */
export function usageKeys(
  tenantId: string,
  project: string,
  accelerator: string | undefined,
  clusterId: string,
  policy: CompiledPolicy = EMPTY_POLICY,
): UsageKey[] {
  const jobs: UsageKey = { key: clusterJobsKey(clusterId), unit: 'jobs' };
  if (!accelerator) return [jobs];
  return [
    ...quotaUsageKeys(policy, tenantId, project, accelerator),
    { key: `cluster:${clusterId}:${accelerator}`, unit: 'gpus' },
    jobs,
  ];
}

/**
 * The deltas for reserving (`sign` 1, with maxima) or releasing (`sign` -1) a job's usage, for
 * `JobTable.update(job, usage)`.
 */
export function usageDeltas(keys: readonly UsageKey[], gpus: number, sign: 1 | -1): UsageDelta[] {
  return keys.map((k) => ({
    key: k.key,
    delta: sign * (k.unit === 'gpus' ? gpus : 1),
    ...(sign > 0 && k.max !== undefined && { max: k.max }),
  }));
}

export interface QuotaVerdict {
  /** The job alone exceeds a quota: it can never be admitted. */
  never?: string;
  /** The quota is full now: the job waits. */
  wait?: string;
}

/** Checks the tenant and project quotas for a job needing `gpus` GPUs of `accelerator`. */
export function checkQuota(
  policy: CompiledPolicy,
  tenantId: string,
  project: string,
  accelerator: string,
  gpus: number,
  usage: UsageView,
): QuotaVerdict {
  const tenant = policy.tenantQuotas.get(tenantId);
  const proj = policy.projectQuotas.size
    ? policy.projectQuotas.get(`${tenantId}/${project}`)
    : undefined;
  if (!tenant && !proj) return NO_LIMIT;
  const verdict: QuotaVerdict = {};
  if (tenant) {
    const perType = tenant.gpus.get(accelerator);
    if (perType !== undefined) {
      const key = `tenant:${tenantId}:${accelerator}`;
      check(verdict, `tenant ${tenantId} ${accelerator}`, key, perType, gpus, usage);
    }
    if (tenant.totalGpus !== undefined) {
      const key = `tenant:${tenantId}:total`;
      check(verdict, `tenant ${tenantId} total`, key, tenant.totalGpus, gpus, usage);
    }
  }
  if (proj) {
    const perType = proj.gpus.get(accelerator);
    const p = `${tenantId}/${project}`;
    if (perType !== undefined)
      check(
        verdict,
        `project ${p} ${accelerator}`,
        `project:${p}:${accelerator}`,
        perType,
        gpus,
        usage,
      );
    if (proj.totalGpus !== undefined)
      check(verdict, `project ${p} total`, `project:${p}:total`, proj.totalGpus, gpus, usage);
  }
  return verdict;
}

/** Adds to `verdict` what the quota `max` on counter `key` says about a job needing `gpus`. */
function check(
  verdict: QuotaVerdict,
  scope: string,
  key: string,
  max: number,
  gpus: number,
  usage: UsageView,
): void {
  if (gpus > max) {
    verdict.never ??= `${scope} quota is ${max} GPUs and the job needs ${gpus}: request fewer GPUs or ask for a larger quota`;
    return;
  }
  const used = usage.get(key) ?? 0;
  if (used + gpus > max) {
    verdict.wait ??= `${scope} quota is ${max} GPUs, ${used} in use and the job needs ${gpus}: it waits for usage to fall`;
  }
}

const NO_LIMIT: QuotaVerdict = Object.freeze({});

/** What placement reads of the usage counters: a missing counter is 0. A `Map` is one. */
export interface UsageView {
  get(key: string): number | undefined;
  readonly size: number;
}

/**
 * `top` read over `base` without copying `base`: the submit path adds a job's few quota counters
 * to the shared per-snapshot cluster counters, which may be tens of thousands.
 */
export class LayeredUsage implements UsageView {
  constructor(
    private readonly base: ReadonlyMap<string, number>,
    private readonly top: Readonly<Record<string, number>>,
  ) {}

  get(key: string): number | undefined {
    return Object.hasOwn(this.top, key) ? this.top[key] : this.base.get(key);
  }

  get size(): number {
    let added = 0;
    for (const key of Object.keys(this.top)) if (!this.base.has(key)) added++;
    return this.base.size + added;
  }
}
