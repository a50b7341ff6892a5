/**
 * A control plane killed between a drainer's create and its report, and started again after a
 * downtime longer than the heartbeat timeout: the create message is redelivered, and its claim may
 * come before the cluster's first heartbeat since the restart. The job is still `dispatched`, but
 * its Kubernetes Job exists; moving it to another cluster then would run it twice. The claim counts
 * silence from the restart (`watchingSince`), as the offline sweep does. In-process, on a moved
 * clock.
 */
import { describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';

const admin: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_admin',
  scopes: new Set(SCOPES),
  projects: ['*'],
};
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function setUp() {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: () => now };
  const ctx: CoreContext = {
    store: createMemoryStore({ clock }),
    queue: createMemoryQueue({ clock }),
    clock,
    settings: { ...defaultCoreSettings, heartbeatTimeoutMs: 5_000, offlineGraceMs: 5_000 },
    log: quiet,
  };
  await createClusterService(ctx).register(
    [
      ['cheap', 1],
      ['dear', 5],
    ].map(([id, cost]) => ({
      id: id as string,
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      pools: [
        { accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8, costPerGpuHour: cost as number },
      ],
    })),
  );
  const at = () => new Date(now).toISOString();
  const beat = (control: ReturnType<typeof createControlPlane>, id: string) =>
    control.heartbeat(id, {
      reportedAt: at(),
      accelerators: { 'nvidia-a100': { total: 8, free: 8, maxFreePerNode: 8 } },
    });
  const first = createControlPlane(dispatchOf(ctx));
  await beat(first, 'cheap');
  await beat(first, 'dear');
  const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
  /** The same store and queue, as a control plane started again now would see them. */
  const restart = () => {
    const restarted = { ...ctx, settings: { ...ctx.settings, watchingSince: now } };
    return createControlPlane(dispatchOf(restarted));
  };
  return { ctx, jobs, beat, restart, advance: (ms: number) => void (now += ms) };
}

const submission = {
  name: 'train',
  project: 'p',
  image: 'busybox',
  resources: { accelerator: { type: 'nvidia-a100', count: 4 } },
};

describe('a redelivered create claimed right after a control-plane restart', () => {
  it('proceeds on its cluster although the heartbeat stored there is older than the timeout', async () => {
    const t = await setUp();
    const { job } = await t.jobs.submit(admin, submission);
    expect([job.state, job.placement?.clusterId]).toEqual(['dispatched', 'cheap']);
    const claim = { jobId: job.id, clusterId: 'cheap', attempt: job.placement!.attempt };
    // The drainer created the Kubernetes Job; the control plane died before the report. It is
    // down a minute; after the restart dear's drainer reports first, then cheap's claims.
    t.advance(60_000);
    const control = t.restart();
    await t.beat(control, 'dear');
    expect(await control.claim(claim)).toEqual({ proceed: true });
    const after = (await t.ctx.store.jobs.get(job.id))!;
    expect([after.state, after.placement?.clusterId]).toEqual(['dispatched', 'cheap']);
  });

  it('still moves the job when the cluster stays silent a whole timeout after the restart', async () => {
    const t = await setUp();
    const { job } = await t.jobs.submit(admin, submission);
    t.advance(60_000);
    const control = t.restart();
    t.advance(6_000); // cheap silent for more than the timeout (5 s) since the restart
    await t.beat(control, 'dear');
    const answer = await control.claim({ jobId: job.id, clusterId: 'cheap', attempt: 1 });
    expect(answer.proceed).toBe(false);
    expect(answer).toMatchObject({ reason: expect.stringContaining('cluster cheap is offline') });
    expect((await t.ctx.store.jobs.get(job.id))!.placement?.clusterId).toBe('dear');
  });
});
