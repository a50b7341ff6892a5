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
import { admin, pricedClusters } from '../support/priced-clusters.js';
import { createControlPlane } from '../../shared/dispatch/control.js';

async function setUp() {
  const base = await pricedClusters();
  const first = createControlPlane(dispatchOf(base.ctx));
  await base.beat(first, 'cheap');
  await base.beat(first, 'dear');
  /** The same store and queue, as a control plane started again now would see them. */
  const restart = () => {
    const restarted = {
      ...base.ctx,
      settings: { ...base.ctx.settings, watchingSince: base.now() },
    };
    return createControlPlane(dispatchOf(restarted));
  };
  return { ctx: base.ctx, jobs: base.jobs, beat: base.beat, restart, advance: base.advance };
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
