/**
 * Whether a heartbeat needs a write. Drainers report every few seconds, and most reports say what
 * the stored one says, with a later time: rewriting the cluster record for each cost a store write
 * per cluster per heartbeat (4.6% of the drain's CPU in bench:dispatch, DynamoDB write units in
 * production). A report that changes nothing but its time is written only once the stored time is
 * `heartbeatTimeoutMs / HEARTBEAT_REFRESH_DIVISOR` old, so the stored `reportedAt` of a live
 * cluster stays within that much (plus one heartbeat interval) of its last report: offline
 * detection, failover, heartbeat age and maintenance readiness read a time at most that stale.
 * (A drainer heartbeating less often than that is written every time, as before.) A report is
 * also written when its lead on the stored one plus the gap since the cluster's previous report to
 * this instance (unknown after a restart: written) reaches half the timeout, so an irregular
 * drainer (a slow capacity read, a delayed request) does not look offline while it reports either.
 * Any other change (capacity, kinds, version, drainer counters) is written at once.
 */
import type { CapacityReport, Cluster } from '../domain/cluster.js';

/** An unchanged report refreshes the stored time once per this fraction of the timeout. */
export const HEARTBEAT_REFRESH_DIVISOR = 4;

/** Structural equality of JSON values, ignoring the order of object keys (DynamoDB's maps). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((v, i) => sameJson(v, bs[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  return keys.every((k) => sameJson(ao[k], bo[k]));
}

/** The report without its time. */
function content(capacity: CapacityReport): Omit<CapacityReport, 'reportedAt'> {
  const { reportedAt: _time, ...rest } = capacity;
  return rest;
}

/**
 * True when `capacity` may be dropped: the stored report says the same apart from its time, and
 * the new time is less than the refresh period after the stored one (a report older than the
 * stored one is written as it always was).
 */
export function heartbeatUnchanged(
  stored: CapacityReport | undefined,
  capacity: CapacityReport,
  heartbeatTimeoutMs: number,
  intervalMs: number,
): boolean {
  if (!stored || !(intervalMs >= 0)) return false;
  const ahead = Date.parse(capacity.reportedAt) - Date.parse(stored.reportedAt);
  if (!(ahead >= 0 && ahead < heartbeatTimeoutMs / HEARTBEAT_REFRESH_DIVISOR)) return false;
  if (ahead + intervalMs >= heartbeatTimeoutMs / 2) return false;
  return sameJson(content(stored), content(capacity));
}

/**
 * One control-plane instance's heartbeat writes: `change` gives the cluster with the report, or
 * undefined when the write can be skipped (`heartbeatUnchanged`), knowing each cluster's previous
 * report time as heard here.
 */
export function createHeartbeatWrites(heartbeatTimeoutMs: number) {
  const heard = new Map<string, number>();
  return {
    change(cluster: Cluster, capacity: CapacityReport, updatedAt: string): Cluster | undefined {
      const at = Date.parse(capacity.reportedAt);
      const interval = at - (heard.get(cluster.id) ?? Number.NaN);
      heard.set(cluster.id, Math.max(at, heard.get(cluster.id) ?? at));
      if (heartbeatUnchanged(cluster.capacity, capacity, heartbeatTimeoutMs, interval)) {
        return undefined;
      }
      return { ...cluster, capacity, updatedAt };
    },
  };
}
