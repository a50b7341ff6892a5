// What this instance changes itself must show in its very next decision, not after the shared
// half-second snapshot expires: cordon/drain/uncordon, cancel, a job's end, admission. A drain's
// moves see each other. A drainer's claim refuses a cluster that stopped taking work since the
// job was placed (another instance's snapshot may be half a second old). A job at quota says so.
import { describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import { createClusterAdmin } from '../../shared/dispatch/cluster-admin.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import { type Logger } from '../../shared/base/log.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { admitPending } from '../../shared/dispatch/dispatch.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';

const admin: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_admin',
  scopes: new Set(SCOPES),
  projects: ['*'],
};

const a100 = (count: number) => ({
  name: 'train',
  project: 'p',
  image: 'busybox',
  resources: { accelerator: { type: 'nvidia-a100', count } },
});

/** Clusters by id with their GPUs and cost: cheaper is preferred. */
async function setUp(clusters: Record<string, { gpus: number; cost: number }>) {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: () => now };
  const lines: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const log: Logger = {
    info: (msg, fields) => void lines.push({ msg, ...(fields && { fields }) }),
    warn: () => {},
    error: () => {},
  };
  const ctx: CoreContext = {
    store: createMemoryStore({ clock }),
    queue: createMemoryQueue({ clock }),
    clock,
    settings: defaultCoreSettings,
    log,
  };
  await createClusterService(ctx).register(
    Object.entries(clusters).map(([id, c]) => ({
      id,
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      pools: [
        { accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: c.gpus, costPerGpuHour: c.cost },
      ],
    })),
  );
  const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
  const where = async (count: number) =>
    (await jobs.explain(admin, a100(count))).clusterId ?? 'none';
  return {
    ctx,
    jobs,
    admin: createClusterAdmin(dispatchOf(ctx)),
    control: createControlPlane(dispatchOf(ctx)),
    where,
    lines,
    advance: (ms: number) => void (now += ms),
  };
}

describe('the shared snapshot after changes made here', () => {
  it('does not place on a cluster cordoned a moment ago, and places there again once uncordoned', async () => {
    const t = await setUp({ cheap: { gpus: 8, cost: 1 }, dear: { gpus: 8, cost: 5 } });
    expect(await t.where(4)).toBe('cheap');
    await t.admin.cordon(admin, 'cheap');
    t.advance(100);
    expect(await t.where(4)).toBe('dear');
    await t.admin.uncordon(admin, 'cheap');
    t.advance(100);
    expect(await t.where(4)).toBe('cheap');
  });

  it('sees the GPUs of a job cancelled a moment ago as free', async () => {
    const t = await setUp({ cheap: { gpus: 4, cost: 1 }, dear: { gpus: 8, cost: 5 } });
    const first = (await t.jobs.submit(admin, a100(4))).job;
    expect(first.placement?.clusterId).toBe('cheap');
    expect(await t.where(4)).toBe('dear');
    await t.jobs.cancel(admin, first.id);
    t.advance(100);
    expect(await t.where(4)).toBe('cheap');
  });

  it('sees the GPUs of a job that ended a moment ago as free', async () => {
    const t = await setUp({ cheap: { gpus: 4, cost: 1 }, dear: { gpus: 8, cost: 5 } });
    const first = (await t.jobs.submit(admin, a100(4))).job;
    expect(await t.where(4)).toBe('dear');
    const at = new Date(t.ctx.clock.now()).toISOString();
    const here = { jobId: first.id, clusterId: 'cheap', attempt: 1, at };
    await t.control.report({ ...here, phase: 'running' });
    await t.control.report({ ...here, phase: 'failed' });
    t.advance(100);
    expect(await t.where(4)).toBe('cheap');
  });

  it('a drain places each moved job knowing where the ones before it went', async () => {
    const t = await setUp({
      big: { gpus: 8, cost: 1 },
      small: { gpus: 4, cost: 2 },
      spare: { gpus: 8, cost: 3 },
    });
    await t.where(4); // the snapshot is warm before the drain
    const a = (await t.jobs.submit(admin, a100(4))).job;
    const b = (await t.jobs.submit(admin, a100(4))).job;
    expect([a.placement?.clusterId, b.placement?.clusterId]).toEqual(['big', 'big']);
    const report = await t.admin.drain(admin, 'big');
    expect(report.moved.map((m) => [m.state, m.clusterId])).toEqual([
      ['dispatched', 'small'],
      ['dispatched', 'spare'],
    ]);
  });

  it('submissions after an admission see the jobs it admitted', async () => {
    const t = await setUp({ cheap: { gpus: 4, cost: 1 }, dear: { gpus: 4, cost: 5 } });
    await dispatchOf(t.ctx).policy.put(admin, {
      version: 'q',
      quotas: { tenants: { acme: { gpus: { 'nvidia-a100': 4 } } } },
    });
    const first = (await t.jobs.submit(admin, a100(4))).job;
    const waiting = (await t.jobs.submit(admin, a100(4))).job;
    expect(waiting.state).toBe('pending');
    await t.jobs.cancel(admin, first.id);
    expect(await admitPending(dispatchOf(t.ctx))).toBe(1);
    expect((await t.ctx.store.jobs.get(waiting.id))?.placement?.clusterId).toBe('cheap');
    // The quota is full again, so a decision here must wait for it, not see a free quota.
    expect((await t.jobs.explain(admin, a100(4))).waitingFor).toBe('quota');
  });
});

describe('a job waiting for the GPUs or quota of one that just ended', () => {
  it.each(['cancelled', 'failed'] as const)(
    'is admitted on the cheaper cluster the %s job used, before its next heartbeat',
    async (how) => {
      const t = await setUp({ cheap: { gpus: 4, cost: 1 }, dear: { gpus: 8, cost: 5 } });
      await dispatchOf(t.ctx).policy.put(admin, {
        version: 'q',
        quotas: { tenants: { acme: { gpus: { 'nvidia-a100': 4 } } } },
      });
      const beat = (id: string, total: number, free: number) =>
        t.control.heartbeat(id, {
          reportedAt: new Date(t.ctx.clock.now()).toISOString(),
          accelerators: { 'nvidia-a100': { total, free, maxFreePerNode: free } },
        });
      await beat('cheap', 4, 4);
      await beat('dear', 8, 8);
      const first = (await t.jobs.submit(admin, a100(4))).job;
      expect(first.placement?.clusterId).toBe('cheap');
      const at = () => new Date(t.ctx.clock.now()).toISOString();
      const here = { jobId: first.id, clusterId: 'cheap', attempt: 1 };
      await t.control.report({ ...here, phase: 'running', at: at() });
      await beat('cheap', 4, 0); // its pod runs there now
      const waiting = (await t.jobs.submit(admin, a100(4))).job;
      expect(waiting.events.at(-1)?.reason).toBe('WaitingForQuota');
      t.advance(100);
      if (how === 'cancelled') await t.jobs.cancel(admin, first.id);
      else await t.control.report({ ...here, phase: 'failed', at: at() });
      expect(await admitPending(dispatchOf(t.ctx))).toBe(1);
      const admitted = (await t.ctx.store.jobs.get(waiting.id))!;
      expect([admitted.state, admitted.placement?.clusterId]).toEqual(['dispatched', 'cheap']);
    },
  );

  it('gives back no GPUs a report taken before the job ran never counted', async () => {
    const t = await setUp({ cheap: { gpus: 8, cost: 1 } });
    const beat = (free: number) =>
      t.control.heartbeat('cheap', {
        reportedAt: new Date(t.ctx.clock.now()).toISOString(),
        accelerators: { 'nvidia-a100': { total: 8, free, maxFreePerNode: free } },
      });
    const other = (await t.jobs.submit(admin, a100(4))).job;
    await beat(4); // `other` runs; the next job is not in this report
    const job = (await t.jobs.submit(admin, a100(4))).job;
    await t.jobs.cancel(admin, job.id);
    const cheap = (await t.ctx.store.clusters.get('cheap'))!;
    expect(cheap.capacity?.accelerators['nvidia-a100']?.free).toBe(4);
    expect(other.state).toBe('dispatched');
  });
});

describe("a drainer's claim", () => {
  it.each([
    ['cordoned', 'ClusterCordoned'],
    ['draining', 'ClusterDraining'],
  ] as const)(
    'refuses a cluster %s since the job was placed, and places the job again (%s)',
    async (state, reason) => {
      const t = await setUp({ cheap: { gpus: 8, cost: 1 }, dear: { gpus: 8, cost: 5 } });
      const job = (await t.jobs.submit(admin, a100(4))).job;
      expect(job.placement?.clusterId).toBe('cheap');
      // Another instance changed it: straight in the store, this instance's snapshot untouched.
      const cheap = (await t.ctx.store.clusters.get('cheap'))!;
      await t.ctx.store.clusters.update({ ...cheap, state });
      const answer = await t.control.claim({ jobId: job.id, clusterId: 'cheap', attempt: 1 });
      expect(answer.proceed).toBe(false);
      expect(answer.reason).toContain(`cluster cheap is ${state}`);
      const after = (await t.ctx.store.jobs.get(job.id))!;
      expect([after.state, after.placement?.clusterId, after.placement?.attempt]).toEqual([
        'dispatched',
        'dear',
        2,
      ]);
      expect(after.events.map((e) => e.reason)).toContain(reason);
    },
  );

  it('refuses a cluster that went offline since the job was placed', async () => {
    const t = await setUp({ cheap: { gpus: 8, cost: 1 }, dear: { gpus: 8, cost: 5 } });
    const report = (free: number) => ({
      reportedAt: new Date(t.ctx.clock.now()).toISOString(),
      accelerators: { 'nvidia-a100': { total: 8, free, maxFreePerNode: free } },
    });
    await t.control.heartbeat('cheap', report(8));
    await t.control.heartbeat('dear', report(8));
    const job = (await t.jobs.submit(admin, a100(4))).job;
    t.advance(defaultCoreSettings.heartbeatTimeoutMs + 1);
    await t.control.heartbeat('dear', report(8));
    const answer = await t.control.claim({ jobId: job.id, clusterId: 'cheap', attempt: 1 });
    expect(answer.proceed).toBe(false);
    const after = (await t.ctx.store.jobs.get(job.id))!;
    expect(after.placement?.clusterId).toBe('dear');
    expect(after.events.map((e) => e.reason)).toContain('ClusterOffline');
  });

  it('lets a redelivered create proceed on a cordoned cluster where the Job exists already', async () => {
    const t = await setUp({ cheap: { gpus: 8, cost: 1 }, dear: { gpus: 8, cost: 5 } });
    const job = (await t.jobs.submit(admin, a100(4))).job;
    const at = new Date(t.ctx.clock.now()).toISOString();
    await t.control.report({ jobId: job.id, clusterId: 'cheap', attempt: 1, phase: 'pending', at });
    await t.admin.cordon(admin, 'cheap');
    expect(await t.control.claim({ jobId: job.id, clusterId: 'cheap', attempt: 1 })).toEqual({
      proceed: true,
    });
    expect((await t.ctx.store.jobs.get(job.id))?.placement?.clusterId).toBe('cheap');
  });

  it('lets an active, live cluster proceed', async () => {
    const t = await setUp({ cheap: { gpus: 8, cost: 1 } });
    const job = (await t.jobs.submit(admin, a100(4))).job;
    expect(await t.control.claim({ jobId: job.id, clusterId: 'cheap', attempt: 1 })).toEqual({
      proceed: true,
    });
  });
});

describe('why a job waits', () => {
  it('says WaitingForQuota at quota and WaitingForCapacity when no cluster has room', async () => {
    const t = await setUp({ only: { gpus: 8, cost: 1 } });
    await dispatchOf(t.ctx).policy.put(admin, {
      version: 'q',
      quotas: { projects: { 'acme/p': { gpus: { 'nvidia-a100': 4 } } } },
    });
    await t.jobs.submit(admin, a100(4));
    const atQuota = (await t.jobs.submit(admin, a100(4))).job;
    expect([atQuota.state, atQuota.events.at(-1)?.reason]).toEqual(['pending', 'WaitingForQuota']);
    expect(atQuota.decision?.waitingFor).toBe('quota');

    const other = { ...a100(4), project: 'q' };
    await t.jobs.submit(admin, other);
    const full = (await t.jobs.submit(admin, other)).job;
    expect([full.state, full.events.at(-1)?.reason]).toEqual(['pending', 'WaitingForCapacity']);
    expect(full.decision?.waitingFor).toBe('capacity');
  });

  it('logs a pending submission without a cluster field', async () => {
    const t = await setUp({ only: { gpus: 4, cost: 1 } });
    await t.jobs.submit(admin, a100(4));
    await t.jobs.submit(admin, a100(4));
    const submitted = t.lines.filter((l) => l.msg === 'job submitted');
    expect(submitted.map((l) => [l.fields?.state, 'cluster' in (l.fields ?? {})])).toEqual([
      ['dispatched', true],
      ['pending', false],
    ]);
  });
});
