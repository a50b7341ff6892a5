/**
 * Firing schedules: every due slot submits exactly one job, even when the trigger runs twice at
 * once or late. Each slot is claimed with a conditional write on (schedule, slot), and the job is
 * submitted with the slot as its idempotency key, so a crash between the two is repaired by the
 * next run. Missed slots are caught up to `maxCatchUp`; the concurrency policy decides what happens
 * while an earlier job still runs.
 */
import type { Principal } from '../domain/principal.js';
import { VersionConflictError } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import { isTerminal } from '../domain/job.js';
import { scheduleOwner } from '../auth/ownership.js';
import { systemPrincipal } from '../domain/principal.js';
import type { JobService } from '../jobs/service.js';
import type { Schedule, ScheduleRun } from '../store/port.js';
import { dueSlots, nextSlot } from './cron.js';

/**
 * A claim outlives any sane firing run; if its holder died before submitting or before moving the
 * schedule on, the slot is claimed again after this and submitted with the same idempotency key,
 * which yields the same single job.
 */
const CLAIM_TTL_MS = 2 * 60 * 1000;

export interface FireResult {
  fired: number;
  skipped: number;
}

/** The schedule acts as itself: its tenant, its template's project, submit and cancel only. */
function principalFor(s: Schedule): Principal {
  return systemPrincipal(s.tenantId, scheduleOwner(s).project, { kind: 'schedule', id: s.id }, [
    'jobs:submit',
    'jobs:cancel',
  ]);
}

export function slotKey(scheduleId: string, slotMs: number): string {
  return `schedule:${scheduleId}:${new Date(slotMs).toISOString()}`;
}

const RECENT_RUNS = 5;

/** Newest first, one entry per slot (a repeated run of a slot keeps its latest record). */
function mergeRuns(fresh: ScheduleRun[], before: readonly ScheduleRun[] = []): ScheduleRun[] {
  const seen = new Set(fresh.map((r) => r.slot));
  return [...fresh, ...before.filter((r) => !seen.has(r.slot))]
    .sort((a, b) => (a.slot < b.slot ? 1 : a.slot > b.slot ? -1 : 0))
    .slice(0, RECENT_RUNS);
}

export async function fireDueSchedules(
  ctx: CoreContext,
  jobs: JobService,
  limit = 100,
): Promise<FireResult> {
  const now = ctx.clock.now();
  const result: FireResult = { fired: 0, skipped: 0 };
  for (const schedule of await ctx.store.schedules.listDue(new Date(now).toISOString(), limit)) {
    try {
      const r = await fireOne(ctx, jobs, schedule, now);
      result.fired += r.fired;
      result.skipped += r.skipped;
    } catch (e) {
      ctx.log.warn('schedule firing failed; the next run retries', {
        schedule: schedule.id,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return result;
}

async function stillActive(ctx: CoreContext, ids: readonly string[]): Promise<string[]> {
  const jobs = await Promise.all(ids.map((id) => ctx.store.jobs.get(id)));
  return jobs.filter((j) => j && !isTerminal(j.state)).map((j) => j!.id);
}

async function fireOne(
  ctx: CoreContext,
  jobs: JobService,
  schedule: Schedule,
  now: number,
): Promise<FireResult> {
  const principal = principalFor(schedule);
  const { slots, skipped: tooOld } = dueSlots(
    schedule.cron,
    schedule.timezone,
    Date.parse(schedule.nextFireAt),
    now,
    schedule.maxCatchUp,
  );
  let fired = 0;
  let skipped = tooOld;
  let active = await stillActive(ctx, schedule.activeJobIds);
  const runs: ScheduleRun[] = [];
  for (const slot of slots) {
    const key = slotKey(schedule.id, slot);
    // Only the runner that claims the slot acts on it.
    const claimed = await ctx.store.claims.claim(
      key,
      new Date(now + CLAIM_TTL_MS).toISOString(),
      new Date(now).toISOString(),
    );
    if (!claimed) continue;
    if (schedule.concurrencyPolicy === 'Forbid' && active.length > 0) {
      skipped++;
      runs.unshift({ slot: new Date(slot).toISOString(), jobId: null });
      ctx.log.info('schedule slot skipped: an earlier job is still active (Forbid)', {
        schedule: schedule.id,
        slot: new Date(slot).toISOString(),
      });
      continue;
    }
    if (schedule.concurrencyPolicy === 'Replace') {
      for (const id of active) await jobs.cancel(principal, id).catch(() => undefined);
      active = [];
    }
    const { job } = await jobs.submit(principal, schedule.template, key);
    if (!active.includes(job.id)) active.push(job.id);
    runs.unshift({ slot: new Date(slot).toISOString(), jobId: job.id });
    fired++;
  }
  const lastSlot = slots.at(-1);
  for (let tries = 0; tries < 10; tries++) {
    const current = (await ctx.store.schedules.get(schedule.id)) ?? undefined;
    if (!current) break;
    try {
      await ctx.store.schedules.update({
        ...current,
        nextFireAt: new Date(
          nextSlot(
            current.cron,
            current.timezone,
            Math.max(now, Date.parse(current.nextFireAt) - 1),
          ),
        ).toISOString(),
        ...(lastSlot && (!current.lastFiredSlot || Date.parse(current.lastFiredSlot) < lastSlot)
          ? { lastFiredSlot: new Date(lastSlot).toISOString() }
          : {}),
        activeJobIds: [...new Set([...(await stillActive(ctx, current.activeJobIds)), ...active])],
        ...(runs.length ? { recentRuns: mergeRuns(runs, current.recentRuns) } : {}),
        updatedAt: new Date(now).toISOString(),
      });
      break;
    } catch (e) {
      if (!(e instanceof VersionConflictError)) throw e;
    }
  }
  return { fired, skipped };
}
