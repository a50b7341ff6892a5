/**
 * What a drainer counts about its own work, shipped to the control plane with every heartbeat
 * (inside the capacity report) so `/metrics` shows it even for a drainer behind a firewall: creates
 * per cluster by outcome (`ok`, or the cluster error's class: `unreachable`, `throttled`, …) and
 * the time its requests waited for the cluster's client-side request budget. The figures are
 * totals since `since` (the drainer's start); the control plane keeps the latest report.
 */
import { iso, type Clock } from '../base/clock.js';
import type { DrainerReportStats } from '../domain/cluster.js';
import { ClusterError } from '../targets/kubernetes/port.js';

/** The outcome label of a create: `ok`, a `ClusterError` kind, or `error` for anything else. */
export function createOutcome(e?: unknown): string {
  if (e === undefined) return 'ok';
  return e instanceof ClusterError ? e.kind : 'error';
}

export function createDrainerStats(clock: Clock) {
  const since = iso(clock.now());
  const creates = new Map<string, Record<string, number>>();
  return {
    /** Counts one create attempt on `clusterId`; `error` absent means it succeeded. */
    create(clusterId: string, error?: unknown): void {
      const counts = creates.get(clusterId) ?? {};
      const outcome = createOutcome(error);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      creates.set(clusterId, counts);
    },
    /** The totals for one cluster, as the heartbeat carries them. */
    snapshot(clusterId: string, budgetWaitMs = 0): DrainerReportStats {
      return {
        since,
        creates: { ...creates.get(clusterId) },
        budgetWaitSeconds: budgetWaitMs / 1000,
      };
    },
  };
}

export type DrainerStats = ReturnType<typeof createDrainerStats>;
