/** What the job services share: drivers, clock, settings, and the read-modify-write helper. */
import type { Clock } from '../clock.js';
import { iso } from '../clock.js';
import { AppError, VersionConflictError, notFound } from '../errors.js';
import type { Queue } from '../queue/port.js';
import type { StateStore, UsageDelta } from '../store/port.js';
import type { Job } from './model.js';
import { deliveriesFor } from './outbox.js';

/**
 * The usage changes a write from `before` to `after` makes: the old reservation given back and the
 * new one taken (with its quota maxima), as one atomic store write.
 */
export function reservationDeltas(before: Job | undefined, after: Job): UsageDelta[] {
  if (before?.reservation === after.reservation) return [];
  const deltas: UsageDelta[] = [];
  for (const r of before?.reservation ?? []) deltas.push({ key: r.key, delta: -r.amount });
  for (const r of after.reservation ?? []) {
    deltas.push({ key: r.key, delta: r.amount, ...(r.max !== undefined ? { max: r.max } : {}) });
  }
  // One entry per key: stores apply deltas per item, and a release plus a take may share one.
  const merged = new Map<string, UsageDelta>();
  for (const d of deltas) {
    const m = merged.get(d.key);
    if (!m) merged.set(d.key, { ...d });
    else {
      m.delta += d.delta;
      if (d.max !== undefined) m.max = d.max;
    }
  }
  return [...merged.values()].filter((d) => d.delta !== 0);
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface CoreSettings {
  /** A cluster whose heartbeat is older than this is offline. */
  heartbeatTimeoutMs: number;
  /** A dispatched job that has not been picked up for this long is published again. */
  redispatchAfterMs: number;
  /** Kubernetes `ttlSecondsAfterFinished` of created Jobs. */
  ttlSecondsAfterFinished: number;
  /** Placements of one job (first one included) before a failing job is failed for good. */
  maxPlacementAttempts: number;
  /** An offline cluster's not-yet-running jobs move elsewhere after this long. */
  offlineGraceMs: number;
  /** Inbound hooks one tenant may have (`limits.hooksPerTenant`). */
  hooksPerTenant: number;
  /** Schedules one tenant may have (`limits.schedulesPerTenant`). */
  schedulesPerTenant: number;
}

export const defaultCoreSettings: CoreSettings = {
  heartbeatTimeoutMs: 60_000,
  redispatchAfterMs: 60_000,
  ttlSecondsAfterFinished: 3600,
  maxPlacementAttempts: 3,
  offlineGraceMs: 120_000,
  hooksPerTenant: 100,
  schedulesPerTenant: 100,
};

/**
 * Refuses to create one more of a tenant's `what` when it already has `count` and the limit is
 * `max`: 409 `QUOTA_EXCEEDED` naming the setting. Checked before the write, so creations racing
 * each other may pass the limit by the number in flight.
 */
export function checkTenantLimit(
  what: 'hooks' | 'schedules',
  tenantId: string,
  count: number,
  max: number,
): void {
  if (count < max) return;
  const setting = `limits.${what}PerTenant`;
  throw new AppError(
    'QUOTA_EXCEEDED',
    `tenant ${tenantId} already has ${count} ${what}, the most allowed (${setting} = ${max}): delete one, or ask the operator to raise ${setting}`,
    { details: { limit: setting, max, count } },
  );
}

export interface CoreContext {
  store: StateStore;
  queue: Queue;
  clock: Clock;
  settings: CoreSettings;
  log: Logger;
  /** Why a callback URL can never be delivered to (checked without DNS), or undefined. */
  screenCallback?: (url: string) => string | undefined;
}

export function nowIso(ctx: CoreContext): string {
  return iso(ctx.clock.now());
}

/**
 * Reads a job, applies `change`, and writes it conditionally, retrying on concurrent writes.
 * `change` returns the new job, or `undefined` to leave it as it is. Deliveries for every state
 * entered are stored in the same atomic write.
 */
export async function mutateJob(
  ctx: CoreContext,
  jobId: string,
  change: (job: Job) => Job | undefined,
): Promise<{ job: Job; changed: boolean }> {
  for (let tries = 0; tries < 20; tries++) {
    const job = await ctx.store.jobs.get(jobId);
    if (!job) throw notFound(`job ${jobId}`);
    const next = change(job);
    if (!next) return { job, changed: false };
    try {
      const stored = await ctx.store.jobs.update(
        next,
        reservationDeltas(job, next),
        deliveriesFor(nowIso(ctx), job, next),
      );
      return { job: stored, changed: true };
    } catch (e) {
      if (e instanceof VersionConflictError) continue;
      throw e;
    }
  }
  throw new VersionConflictError(`job ${jobId}`);
}
