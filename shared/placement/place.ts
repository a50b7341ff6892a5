/**
 * Placement: a pure function from a job's needs and a snapshot of the clusters to a decision that
 * explains itself. Filter (hard constraints), then score (free capacity), then pick, with a
 * deterministic tie-break. No I/O, no clock reads, no mutation of its input.
 */
import type { Cluster } from '../clusters/model.js';
import type { CandidateExplanation, Decision, JobSpec } from '../jobs/model.js';

export interface ClusterSnapshot {
  cluster: Cluster;
  /** GPUs per accelerator already committed to jobs not yet visible in the capacity report. */
  committedGpus: Record<string, number>;
}

export interface PlacementInput {
  spec: JobSpec;
  clusters: readonly ClusterSnapshot[];
  /** Cluster ids that must not be chosen (failover). */
  blocked?: readonly string[];
  now: number;
  /** A cluster whose last capacity report is older than this is offline. */
  heartbeatTimeoutMs: number;
}

interface Fit {
  feasibleEver: boolean;
  reason?: string;
}

/** Can any node pool of the cluster ever hold this job? */
function staticFit(spec: JobSpec, cluster: Cluster): Fit {
  const acc = spec.resources.accelerator;
  if (!acc) return { feasibleEver: true };
  const pools = cluster.pools.filter((p) => p.accelerator === acc.type);
  if (pools.length === 0) {
    const have = [...new Set(cluster.pools.map((p) => p.accelerator))].join(', ') || 'none';
    return { feasibleEver: false, reason: `no ${acc.type} nodes (has: ${have})` };
  }
  const largest = Math.max(...pools.map((p) => p.gpusPerNode));
  if (largest < acc.count) {
    return {
      feasibleEver: false,
      reason: `largest ${acc.type} node has ${largest} GPUs; the job needs ${acc.count} on one node`,
    };
  }
  return { feasibleEver: true };
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

export function place(input: PlacementInput): Omit<Decision, 'evaluatedAt'> {
  const { spec, now } = input;
  const blocked = new Set(input.blocked ?? []);
  const acc = spec.resources.accelerator;
  const candidates: CandidateExplanation[] = [];
  let everFeasible = 0;
  let waiting = 0;

  for (const snap of input.clusters) {
    const c = snap.cluster;
    const fit = staticFit(spec, c);
    if (!fit.feasibleEver) {
      candidates.push({ clusterId: c.id, feasible: false, reasons: [fit.reason!] });
      continue;
    }
    if (blocked.has(c.id)) {
      candidates.push({ clusterId: c.id, feasible: false, reasons: ['blocked after a failed attempt'] });
      continue;
    }
    everFeasible++;
    if (c.state !== 'active') {
      waiting++;
      candidates.push({ clusterId: c.id, feasible: false, reasons: [`cluster is ${c.state}`] });
      continue;
    }
    if (isOffline(c, now, input.heartbeatTimeoutMs)) {
      waiting++;
      candidates.push({
        clusterId: c.id,
        feasible: false,
        reasons: [`cluster is offline (last heartbeat ${c.capacity?.reportedAt})`],
      });
      continue;
    }
    if (!acc) {
      candidates.push({ clusterId: c.id, feasible: true, score: 0, reasons: ['no accelerator requested'] });
      continue;
    }
    const free = freeGpus(snap, acc.type);
    if (free < acc.count) {
      waiting++;
      candidates.push({
        clusterId: c.id,
        feasible: false,
        reasons: [`only ${free} free ${acc.type} GPUs; the job needs ${acc.count}`],
      });
      continue;
    }
    candidates.push({
      clusterId: c.id,
      feasible: true,
      score: free,
      reasons: [`${free} free ${acc.type} GPUs`],
    });
  }

  const feasible = candidates
    .filter((c) => c.feasible)
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || a.clusterId.localeCompare(b.clusterId));
  const best = feasible[0];
  if (best) {
    return {
      outcome: 'placed',
      clusterId: best.clusterId,
      message: `placed on ${best.clusterId}: ${best.reasons.join(', ')} (most free capacity of ${feasible.length} feasible cluster(s))`,
      candidates,
    };
  }
  if (everFeasible > 0 && waiting > 0) {
    return {
      outcome: 'pending',
      message: `no cluster has room now; ${everFeasible} cluster(s) could run it later, the job waits`,
      candidates,
    };
  }
  const need = acc ? `${acc.count} x ${acc.type}` : 'this job';
  return {
    outcome: 'rejected',
    message:
      input.clusters.length === 0
        ? 'no clusters are registered: add one to the configuration'
        : `no cluster can ever run ${need}: change the accelerator request or add a cluster with such nodes`,
    candidates,
  };
}
