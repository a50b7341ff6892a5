/**
 * Placement: a pure function from a job, a snapshot of the clusters, the routing policy and current
 * usage to a decision that explains itself. In order: hard filters (accelerator fits a node pool,
 * the job's and the policy's require/forbid, blocked, admin state, offline, free capacity), then
 * quotas (at quota: pending; larger than the quota: rejected), then scoring (cost, free capacity,
 * spread, preference), then the pick with a tie-break by cluster id. Rejected only when no cluster
 * could ever run the job. No I/O, no clock reads, no mutation of its input.
 */
import type { Cluster } from '../domain/cluster.js';
import type { JobSpec } from '../domain/job.js';
import { EMPTY_POLICY, type CompiledPolicy } from '../policy/compile.js';
import { evaluate, type PlacementResult } from './evaluate.js';
import { forgetCapacityCandidates } from './memo.js';
import {
  commitGpus,
  prepareClusters,
  type ClusterSnapshot,
  type PreparedClusters,
} from './prepare.js';
import { LayeredUsage } from './usage.js';

export type { ClusterSnapshot, PreparedClusters } from './prepare.js';
export { prepareClusters } from './prepare.js';
export type { PlacementResult } from './evaluate.js';
export { LayeredUsage, usageDeltas, usageKeys, type UsageKey } from './usage.js';

export interface PlacementInput {
  spec: JobSpec;
  /** The snapshots, or their prepared form (`prepareClusters`), which callers may cache. */
  clusters: readonly ClusterSnapshot[] | PreparedClusters;
  /** Cluster ids that must not be chosen (failover). */
  blocked?: readonly string[];
  now: number;
  /** A cluster whose last capacity report is older than this is offline. */
  heartbeatTimeoutMs: number;
  /** The submitting tenant; quotas, shares and `match.tenants` use it. Default: none. */
  tenantId?: string;
  /** The compiled routing policy; absent means no rules, no quotas and default weights. */
  policy?: CompiledPolicy;
  /**
   * Current usage counters (see `usageKeys`); a missing counter is 0. A Map or a `LayeredUsage`
   * avoids a copy.
   */
  usage?: Readonly<Record<string, number>> | ReadonlyMap<string, number> | LayeredUsage;
  /**
   * How many of the best feasible candidates carry every reason and score term (default 10; the
   * chosen one always does). Every other candidate still carries its score or its filter reason.
   */
  explainTop?: number;
}

/** Free GPUs of the type right now: the live report (or the static total) minus what is committed. */
export function freeGpus(snapshot: ClusterSnapshot, accelerator: string): number {
  const { cluster, committedGpus } = snapshot;
  const reported = cluster.capacity?.accelerators[accelerator];
  const base =
    reported?.free ??
    cluster.pools
      .filter((p) => p.accelerator === accelerator)
      .reduce((n, p) => n + p.nodes * p.gpusPerNode, 0);
  return Math.max(0, base - (committedGpus[accelerator] ?? 0));
}

export function isOffline(cluster: Cluster, now: number, heartbeatTimeoutMs: number): boolean {
  if (!cluster.capacity) return false;
  return now - Date.parse(cluster.capacity.reportedAt) > heartbeatTimeoutMs;
}

/** Places one job. Failover: call again with the failed cluster added to `blocked`. */
export function place(input: PlacementInput): PlacementResult {
  const usage =
    input.usage instanceof Map || input.usage instanceof LayeredUsage
      ? input.usage
      : new Map(Object.entries(input.usage ?? {}));
  return evaluate(
    {
      tenantId: input.tenantId ?? '',
      spec: input.spec,
      ...(input.blocked && { blocked: input.blocked }),
    },
    {
      clusters: prepareClusters(input.clusters),
      policy: input.policy ?? EMPTY_POLICY,
      now: input.now,
      heartbeatTimeoutMs: input.heartbeatTimeoutMs,
      usage,
      ...(input.explainTop !== undefined && { explainTop: input.explainTop }),
    },
  );
}

/**
 * Takes `gpus` GPUs of `accelerator` on the cluster at `index` (the order of the snapshots it was
 * prepared from) out of a prepared snapshot kept across decisions, leaving it as `prepareClusters`
 * would with that much more committed: the submit path adds its own dispatches to the snapshot it
 * shares for half a second.
 */
export function takeGpus(
  clusters: PreparedClusters,
  index: number,
  accelerator: string,
  gpus: number,
): void {
  if (commitGpus(clusters, index, accelerator, gpus)) {
    forgetCapacityCandidates(clusters, index, accelerator);
  }
}
