/** Job writes: reservations travel with the job, and every write is a conditional read-modify-write. */
import { VersionConflictError, notFound } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import type { Job } from '../domain/job.js';
import type { JobRead, UsageDelta } from '../store/port.js';
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

/**
 * Reads a job, applies `change`, and writes it conditionally, retrying on concurrent writes.
 * `change` returns the new job, or `undefined` to leave it as it is. Deliveries for every state
 * entered are stored in the same atomic write. `read`, a copy of the job its caller has just read
 * from the store, saves the first try's read (a job with its decision is tens of KB of JSON): the
 * write is still conditional on its version, so a stale copy costs one retry, never a lost write.
 * A lean copy (`WITHOUT_DECISION`) is written back without the decision, which the store keeps.
 */
export async function mutateJob(
  ctx: CoreContext,
  jobId: string,
  change: (job: Job) => Job | undefined,
  read?: Job,
  /** How a retry reads the job: `WITHOUT_DECISION` for a `change` that never looks at it. */
  how?: JobRead,
): Promise<{ job: Job; changed: boolean }> {
  for (let tries = 0; tries < 20; tries++) {
    const job = tries === 0 && read ? read : await ctx.store.jobs.get(jobId, how);
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
