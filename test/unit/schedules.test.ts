// Scheduled batch triggers against the real SQLite store with an injected clock: every due slot
// fires exactly once over a run in which the trigger is invoked twice per minute (concurrently) and
// once not at all; concurrency policies; validation.
import { mkdtempSync, rmSync } from 'node:fs';
import { dispatchOf } from '../support/dispatch-context.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import type { Clock } from '../../shared/base/clock.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { fireDueSchedules } from '../../shared/schedules/fire.js';
import { createScheduleService } from '../../shared/schedules/service.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { AppError } from '../../shared/base/errors.js';

const START = Date.parse('2026-11-28T10:00:30Z');
const admin: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_test',
  scopes: new Set(SCOPES),
  projects: ['*'],
};
const template = { name: 'nightly', project: 'etl', image: 'busybox', resources: {} };

describe('schedules', () => {
  let dir: string;
  let now: number;
  let ctx: CoreContext;
  const clock: Clock = { now: () => now };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-sched-'));
    now = START;
    ctx = {
      store: createSqliteStore({ path: join(dir, 'state.db') }),
      queue: createMemoryQueue({ clock }),
      clock,
      log: silentLogger,
      settings: defaultCoreSettings,
    };
  });

  beforeEach(async () => {
    // One cluster, so scheduled jobs are placed and stay active (nothing runs them here).
    await ctx.store.clusters.put({
      id: 'aws-east',
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      state: 'active',
      pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
      version: 1,
      updatedAt: new Date(START).toISOString(),
    });
  });

  afterEach(async () => {
    await ctx.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires one job per slot when triggered twice a minute, late, and once not at all', async () => {
    const schedules = createScheduleService(ctx);
    // Two services over one store: two edge instances.
    const jobsA = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
    const jobsB = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
    const s = await schedules.create(admin, {
      name: 'every-minute',
      cron: '* * * * *',
      template,
      maxCatchUp: 5,
    });
    for (let minute = 1; minute <= 6; minute++) {
      // Minute 10:0m, at :05 or (late) at :45.
      now = Date.parse('2026-11-28T10:00:00Z') + minute * 60_000 + (minute % 2 ? 5_000 : 45_000);
      if (minute === 3) continue; // the platform skipped this trigger
      await Promise.all([fireDueSchedules(ctx, jobsA), fireDueSchedules(ctx, jobsB)]);
    }
    const { items } = await ctx.store.jobs.list({ tenantId: 'acme', limit: 100 });
    const slots = items.map((j) => j.idempotencyKey).sort();
    const want = [1, 2, 3, 4, 5, 6].map(
      (m) =>
        `schedule:${s.id}:${new Date(Date.parse('2026-11-28T10:00:00Z') + m * 60_000).toISOString()}`,
    );
    expect(slots).toEqual(want);
    // Each fired job has a trace of its own, as an API submission does (docs/metrics.md).
    const traces = items.map((j) => j.traceId);
    for (const t of traces) expect(t).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(traces).size).toBe(items.length);
  });

  it('catches up at most maxCatchUp missed slots', async () => {
    const schedules = createScheduleService(ctx);
    const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
    await schedules.create(admin, { name: 'catch-up', cron: '* * * * *', template, maxCatchUp: 2 });
    now = START + 10 * 60_000;
    const r = await fireDueSchedules(ctx, jobs);
    expect(r).toEqual({ fired: 2, skipped: 8 });
    const again = await fireDueSchedules(ctx, jobs);
    expect(again).toEqual({ fired: 0, skipped: 0 });
  });

  it('Forbid skips a slot while the previous job is active; Replace cancels it', async () => {
    const schedules = createScheduleService(ctx);
    const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
    const forbid = await schedules.create(admin, {
      name: 'forbid',
      cron: '* * * * *',
      template,
      concurrencyPolicy: 'Forbid',
    });
    const replace = await schedules.create(admin, {
      name: 'replace',
      cron: '* * * * *',
      template,
      concurrencyPolicy: 'Replace',
    });
    now = START + 60_000;
    await fireDueSchedules(ctx, jobs);
    now = START + 2 * 60_000;
    await fireDueSchedules(ctx, jobs);
    const { items } = await ctx.store.jobs.list({ tenantId: 'acme', limit: 100 });
    const of = (id: string) => items.filter((j) => j.idempotencyKey?.startsWith(`schedule:${id}:`));
    expect(of(forbid.id)).toHaveLength(1);
    const replaced = of(replace.id).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    expect(replaced).toHaveLength(2);
    expect(replaced[0]!.state).toBe('cancelled');
    expect(replaced[1]!.state).not.toBe('cancelled');

    // Each keeps its latest runs, newest first: the job a slot submitted, or null when skipped.
    const slot = (m: number) => new Date(Math.floor(START / 60_000 + m) * 60_000).toISOString();
    const runsOf = async (id: string) => (await ctx.store.schedules.get(id))!.recentRuns;
    expect(await runsOf(forbid.id)).toEqual([
      { slot: slot(2), jobId: null },
      { slot: slot(1), jobId: of(forbid.id)[0]!.id },
    ]);
    expect(await runsOf(replace.id)).toEqual([
      { slot: slot(2), jobId: replaced[1]!.id },
      { slot: slot(1), jobId: replaced[0]!.id },
    ]);
  });

  it('suspended schedules do not fire, and resuming does not replay missed slots', async () => {
    const schedules = createScheduleService(ctx);
    const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
    const s = await schedules.create(admin, {
      name: 'paused',
      cron: '* * * * *',
      template,
      suspended: true,
      maxCatchUp: 10,
    });
    now = START + 5 * 60_000;
    expect(await fireDueSchedules(ctx, jobs)).toEqual({ fired: 0, skipped: 0 });
    await schedules.update(admin, s.id, { suspended: false });
    expect(await fireDueSchedules(ctx, jobs)).toEqual({ fired: 0, skipped: 0 });
    now += 60_000;
    expect((await fireDueSchedules(ctx, jobs)).fired).toBe(1);
  });

  it.each([
    [{ name: 'x', cron: '* * *', template }, 'cron'],
    [{ name: 'x', cron: '61 * * * *', template }, 'cron'],
    [{ name: 'x', cron: '* * * * *', timezone: 'Mars/Base', template }, 'timezone'],
    [{ name: 'x', cron: '* * * * *', template: { name: 'Bad Name' } }, 'template.'],
    [
      { name: 'x', cron: '* * * * *', template, concurrencyPolicy: 'Sometimes' },
      'concurrencyPolicy',
    ],
    [{ name: 'x', cron: '* * * * *', template, extra: 1 }, '(body)'],
  ])('refuses %j naming %s', async (body, field) => {
    const schedules = createScheduleService(ctx);
    const err = await schedules.create(admin, body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BAD_REQUEST');
    const paths = ((err as AppError).details!.fields as Array<{ path: string }>).map((f) => f.path);
    expect(paths.some((p) => p.startsWith(field))).toBe(true);
  });

  it('reports every bad field at once, like a job submission', async () => {
    const schedules = createScheduleService(ctx);
    const pathsOf = (err: unknown) => {
      expect((err as AppError).code).toBe('BAD_REQUEST');
      return ((err as AppError).details!.fields as Array<{ path: string }>).map((f) => f.path);
    };
    const bad = {
      name: 'Bad Name',
      cron: '61 * * * *',
      template: { ...template, image: '', priority: -5 },
      maxCatchUp: 1000,
    };
    const created = await schedules.create(admin, bad).catch((e: unknown) => e);
    expect(pathsOf(created).sort()).toEqual(
      ['cron', 'maxCatchUp', 'name', 'template.image', 'template.priority'].sort(),
    );
    expect((created as AppError).message).toMatch(/^the schedule has 5 invalid field\(s\): /);

    const s = await schedules.create(admin, { name: 'ok', cron: '* * * * *', template });
    const changed = await schedules
      .update(admin, s.id, { timezone: 'Mars/Base', template: { name: 'x' }, suspended: 'no' })
      .catch((e: unknown) => e);
    const paths = pathsOf(changed);
    expect(paths).toEqual(expect.arrayContaining(['timezone', 'suspended', 'template.image']));
  });
});
