/**
 * Recovery through the control plane in-process, on a clock the test moves: a running job on a
 * cluster offline past its grace period is presumed lost and requeued (`ClusterLost`), runs
 * elsewhere, and the copy left behind is deleted when the cluster returns; a job exiting with a
 * listed code waits out its backoff and runs again under a new Kubernetes name until
 * `maxAttempts`; without `retry` it fails at once. Every retry is a pending event and a webhook.
 * (The offline grace period is ≥ 10 s of real time in a server, so this runs on a moved clock.)
 */
import { describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import { admin, pricedClusters } from '../support/priced-clusters.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { admitPending } from '../../shared/dispatch/dispatch.js';
import { runMaintenance } from '../../shared/dispatch/maintenance.js';
import { attemptsView } from '../../shared/domain/retry.js';

async function setUp() {
  const base = await pricedClusters();
  const control = createControlPlane(dispatchOf(base.ctx));
  const beat = (id: string) => base.beat(control, id);
  await beat('cheap');
  await beat('dear');
  const get = async (id: string) => (await base.ctx.store.jobs.get(id))!;
  return { ...base, control, beat, get };
}

type T = Awaited<ReturnType<typeof setUp>>;

const submission = (extra: object = {}) => ({
  name: 'train',
  project: 'p',
  image: 'busybox',
  resources: { accelerator: { type: 'nvidia-a100', count: 4 } },
  callback: { url: 'http://127.0.0.1:9/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  ...extra,
});

/** Reports the job's current run as running, then as ended with `phase`. */
async function run(t: T, id: string, end?: { phase: 'failed' | 'succeeded'; exitCode: number }) {
  const job = await t.get(id);
  const here = { jobId: id, clusterId: job.placement!.clusterId, attempt: job.placement!.attempt };
  await t.control.report({ ...here, phase: 'running', at: t.at() });
  if (!end) return here;
  const reason = end.phase === 'failed' ? 'Error' : 'Completed';
  await t.control.report({
    ...here,
    phase: end.phase,
    reason: end.phase === 'failed' ? 'BackoffLimitExceeded' : 'CompletionsReached',
    result: { exitCode: end.exitCode, reason },
    at: t.at(),
  });
  return here;
}

describe('a cluster offline past its grace period with a running job', () => {
  it('requeues it (ClusterLost), runs it elsewhere, and deletes the copy left behind', async () => {
    const t = await setUp();
    const { job } = await t.jobs.submit(admin, submission());
    expect(job.placement?.clusterId).toBe('cheap');
    const first = await run(t, job.id);
    // cheap goes silent; dear keeps reporting.
    t.advance(6_000);
    await t.beat('dear');
    await runMaintenance(dispatchOf(t.ctx), t.jobs);
    expect((await t.get(job.id)).state).toBe('running'); // within the grace period
    t.advance(5_000);
    await t.beat('dear');
    await runMaintenance(dispatchOf(t.ctx), t.jobs); // requeued, then admitted elsewhere
    const moved = await t.get(job.id);
    expect(moved.events.map((e) => [e.state, e.reason]).slice(-2)).toEqual([
      ['pending', 'ClusterLost'],
      ['dispatched', 'Placed'],
    ]);
    expect(moved.placement).toMatchObject({ clusterId: 'dear', attempt: 2 });
    expect(moved.blockedClusters).toEqual(['cheap']);
    await run(t, job.id, { phase: 'succeeded', exitCode: 0 });
    const done = await t.get(job.id);
    expect(done.state).toBe('succeeded');
    expect(attemptsView(done).map((a) => [a.attempt, a.clusterId, a.outcome, a.reason])).toEqual([
      [1, 'cheap', 'retried', 'ClusterLost'],
      [2, 'dear', 'succeeded', 'CompletionsReached'],
    ]);
    // cheap returns and its drainer reports the old run: it is told to delete it.
    await t.beat('cheap');
    expect(await t.control.report({ ...first, phase: 'running', at: t.at() })).toEqual({
      action: 'delete',
    });
    const hooks = (await t.ctx.store.deliveries.listByJob(job.id)).map((d) => d.eventType);
    expect(hooks.filter((h) => h === 'job.pending')).toHaveLength(1);
    expect(hooks.at(-1)).toBe('job.succeeded');
  });

  it('leaves it running while every cluster is silent (the control plane may be what was down)', async () => {
    const t = await setUp();
    const { job } = await t.jobs.submit(admin, submission());
    await run(t, job.id);
    t.advance(60_000);
    await runMaintenance(dispatchOf(t.ctx), t.jobs);
    expect((await t.get(job.id)).state).toBe('running');
    await t.beat('dear'); // heartbeats arrive again, and cheap's still do not
    await runMaintenance(dispatchOf(t.ctx), t.jobs);
    expect((await t.get(job.id)).placement?.clusterId).toBe('dear');
  });

  it('after a control-plane restart, counts silence from the restart, not the last heartbeat', async () => {
    const t = await setUp();
    const { job } = await t.jobs.submit(admin, submission());
    await run(t, job.id);
    // The control plane is down for a minute, then starts again on the same store: every
    // heartbeat it holds is older than the grace, and dear's drainer reports first.
    t.advance(60_000);
    const restarted = {
      ...t.ctx,
      settings: { ...t.ctx.settings, watchingSince: t.ctx.clock.now() },
    };
    await t.beat('dear');
    await runMaintenance(dispatchOf(restarted), t.jobs);
    expect((await t.get(job.id)).state).toBe('running');
    t.advance(9_000); // still within the grace (10 s) after the restart
    await t.beat('dear');
    await runMaintenance(dispatchOf(restarted), t.jobs);
    expect((await t.get(job.id)).state).toBe('running');
    // cheap stays silent a whole grace period after the restart: now it is presumed lost.
    t.advance(2_000);
    await t.beat('dear');
    await runMaintenance(dispatchOf(restarted), t.jobs);
    const moved = await t.get(job.id);
    expect(moved.events.map((e) => e.reason)).toContain('ClusterLost');
    expect(moved.placement?.clusterId).toBe('dear');
  });

  it('fails it with ClusterLost when it has no attempt left', async () => {
    const t = await setUp();
    const { job } = await t.jobs.submit(admin, submission({ retry: { maxAttempts: 1 } }));
    await run(t, job.id);
    t.advance(11_000);
    await t.beat('dear');
    await runMaintenance(dispatchOf(t.ctx), t.jobs);
    const failed = await t.get(job.id);
    expect([failed.state, failed.events.at(-1)?.reason]).toEqual(['failed', 'ClusterLost']);
    expect(failed.events.at(-1)?.message).toContain('1 of 1 attempt(s) used');
  });
});

describe('a job exiting with a listed code', () => {
  it('waits out its backoff, runs again under a new name, and fails after maxAttempts with every run listed', async () => {
    const t = await setUp();
    const retry = { maxAttempts: 3, backoffSeconds: 30, onExitCodes: [3] };
    const { job } = await t.jobs.submit(admin, submission({ retry }));
    for (let n = 1; n <= 3; n++) {
      const current = await t.get(job.id);
      expect(current.placement?.kubeName).toBe(n === 1 ? `sy-${job.id}` : `sy-${job.id}-r${n}`);
      await run(t, job.id, { phase: 'failed', exitCode: 3 });
      if (n === 3) break;
      const waiting = await t.get(job.id);
      expect([waiting.state, waiting.events.at(-1)?.reason]).toEqual([
        'pending',
        'RetryOnExitCode',
      ]);
      t.advance(29_000);
      await t.beat('cheap');
      expect(await admitPending(dispatchOf(t.ctx))).toBe(0); // backoff not over
      t.advance(1_000);
      await t.beat('cheap');
      expect(await admitPending(dispatchOf(t.ctx))).toBe(1);
    }
    const failed = await t.get(job.id);
    expect(failed.state).toBe('failed');
    expect(failed.result).toEqual({ exitCode: 3, reason: 'Error' });
    expect(failed.events.at(-1)?.message).toContain('3 of 3 attempt(s) used');
    expect(attemptsView(failed).map((a) => [a.attempt, a.outcome, a.exitCode])).toEqual([
      [1, 'retried', 3],
      [2, 'retried', 3],
      [3, 'failed', 3],
    ]);
    // Not an infrastructure failure: the same (cheaper) cluster may run it again.
    expect(attemptsView(failed).map((a) => a.clusterId)).toEqual(['cheap', 'cheap', 'cheap']);
    const hooks = (await t.ctx.store.deliveries.listByJob(job.id)).map((d) => d.eventType);
    expect(hooks.filter((h) => h === 'job.pending')).toHaveLength(2);
  });

  it('fails at once without retry, and for a code not listed', async () => {
    const t = await setUp();
    for (const extra of [{}, { retry: { maxAttempts: 3, onExitCodes: [4] } }]) {
      const { job } = await t.jobs.submit(admin, submission(extra));
      await run(t, job.id, { phase: 'failed', exitCode: 3 });
      const failed = await t.get(job.id);
      expect(failed.state).toBe('failed');
      expect(failed.attempts ?? []).toEqual([]);
    }
  });
});
