// Preemption through the job service, dispatch and the control plane on the memory store and queue:
// jobs:explain names the victims beforehand (nothing evicted); the maintenance sweep evicts them
// on ONE cluster (back to pending, Preempted, reservation released, a cancel message with the
// grace period, a job.pending webhook), places the preemptor there with the freed GPUs held for
// it (a third job does not get them), and the victims are admitted again (attempt 2) when room
// returns. With preemption off, explain shows none and the sweep does nothing.
import { describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import { me, preemptionBody, twoClusterContext } from '../support/preemption-setup.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { admitPending, createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { preemptForWaiting } from '../../shared/dispatch/preemption.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { Job } from '../../shared/domain/job.js';

const CALLBACK = { url: 'https://hooks.example.com/sy', secret: `whsec_${btoa('k'.repeat(32))}` };
const body = (name: string, count: number, priority: number) =>
  preemptionBody(name, count, priority, { callback: CALLBACK });

async function setUp(preemption: Record<string, unknown>) {
  const { ctx, tick, now } = await twoClusterContext(createMemoryStore());
  const d = dispatchOf(ctx);
  await d.policy.put(me, { version: 1, preemption });
  const jobs = createJobService(ctx, createDispatcher(d));
  const control = createControlPlane(d);
  const at = () => new Date(now()).toISOString();
  const report = (j: Job, phase: 'running' | 'succeeded' | 'deleted') =>
    control.report({
      jobId: j.id,
      clusterId: j.placement!.clusterId,
      attempt: j.placement!.attempt,
      phase,
      at: at(),
    });
  return { ctx, d, jobs, report, tick };
}

async function drain(ctx: CoreContext, queue: string) {
  const got = await ctx.queue.pull(queue, { max: 100, visibilityMs: 60_000 });
  for (const m of got) await ctx.queue.ack(queue, m.receipt);
  return got.map((m) => m.body);
}

describe('preemption through dispatch', () => {
  it('explains, then evicts on one cluster, places the preemptor, and re-admits the victims', async () => {
    const { ctx, d, jobs, report, tick } = await setUp({ enabled: true, gracePeriodSeconds: 7 });
    const low: Job[] = [];
    for (let i = 0; i < 4; i++) low.push((await jobs.submit(me, body(`low-${i}`, 1, 10))).job);
    expect(low.map((j) => j.state)).toEqual(Array(4).fill('dispatched'));
    // Cluster b's jobs have run longer: a's (least time run) are the victims.
    for (const j of low.filter((x) => x.placement!.clusterId === 'b')) await report(j, 'running');
    tick(60_000);
    for (const j of low.filter((x) => x.placement!.clusterId === 'a')) await report(j, 'running');
    tick(5_000);
    const onA = low.filter((x) => x.placement!.clusterId === 'a').map((j) => j.id);
    expect(onA).toHaveLength(2);

    const explained = await jobs.explain(me, body('high', 2, 500));
    expect([explained.outcome, explained.waitingFor]).toEqual(['pending', 'capacity']);
    expect(explained.preemption).toMatchObject({ clusterId: 'a', done: false });
    expect(explained.preemption!.victims.map((v) => v.jobId).sort()).toEqual([...onA].sort());
    expect(explained.message).toContain('preemption would evict 2 job(s) on a');
    const high = (await jobs.submit(me, body('high', 2, 500))).job;
    expect(high.state).toBe('pending');
    expect(high.decision!.preemption).toBeUndefined(); // a submission does not plan it
    // Nothing was evicted by explaining or submitting.
    for (const j of low) expect((await ctx.store.jobs.get(j.id))!.state).toBe('running');

    expect(await preemptForWaiting(d)).toBe(1);
    const placed = (await ctx.store.jobs.get(high.id))!;
    expect(placed.state).toBe('dispatched');
    expect(placed.placement!.clusterId).toBe('a');
    expect(placed.decision!.preemption).toMatchObject({ clusterId: 'a', done: true });
    expect(placed.decision!.message).toContain('after preemption: evict 2 job(s) on a');
    for (const j of low) {
      const now = (await ctx.store.jobs.get(j.id))!;
      if (!onA.includes(j.id)) {
        expect(now.state).toBe('running'); // exactly one cluster lost work
        continue;
      }
      expect(now.state).toBe('pending');
      expect(now.reservation).toBeUndefined();
      expect(now.events.at(-1)).toMatchObject({ state: 'pending', reason: 'Preempted' });
      expect(now.events.at(-1)!.message).toContain(`by job ${high.id}`);
      const hooks = await ctx.store.deliveries.listByJob(j.id);
      const last = JSON.parse(hooks.at(-1)!.payload) as { type: string; data: { reason: string } };
      expect([last.type, last.data.reason]).toEqual(['job.pending', 'Preempted']);
    }
    expect((await ctx.store.usage.get(['cluster:a:nvidia-a100']))['cluster:a:nvidia-a100']).toBe(2);
    const sent = await drain(ctx, 'q-a');
    const cancels = sent.filter((m) => m.kind === 'cancel');
    expect(cancels.map((m) => m.jobId).sort()).toEqual([...onA].sort());
    for (const c of cancels)
      expect(c).toMatchObject({ reason: 'Preempted', gracePeriodSeconds: 7 });
    expect(sent.filter((m) => m.kind === 'create').map((m) => m.jobId)).toContain(high.id);

    // The drainer's report of the deleted workloads changes nothing; the freed GPUs stay held.
    for (const id of onA) {
      const v = (await ctx.store.jobs.get(id))!;
      expect(await report(v, 'deleted')).toEqual({ action: 'delete' });
    }
    const third = (await jobs.submit(me, body('third', 1, 10))).job;
    expect(third.state).toBe('pending');
    expect(await admitPending(d)).toBe(0);
    expect(await preemptForWaiting(d)).toBe(0); // same priority as every running job

    // The preemptor ends: the victims (older than `third`) are admitted again, attempt 2.
    await report(placed, 'running');
    await report((await ctx.store.jobs.get(high.id))!, 'succeeded');
    expect(await admitPending(d)).toBe(2);
    for (const id of onA) {
      const again = (await ctx.store.jobs.get(id))!;
      expect(again.state).toBe('dispatched');
      expect(again.placement).toMatchObject({ clusterId: 'a', attempt: 2 });
    }
  });

  it('does nothing with preemption off', async () => {
    const { ctx, d, jobs } = await setUp({ enabled: false });
    for (let i = 0; i < 4; i++) await jobs.submit(me, body(`low-${i}`, 1, 10));
    const high = (await jobs.submit(me, body('high', 2, 500))).job;
    expect((await jobs.explain(me, body('high', 2, 500))).preemption).toBeUndefined();
    expect(await preemptForWaiting(d)).toBe(0);
    expect((await ctx.store.jobs.get(high.id))!.state).toBe('pending');
  });
});
