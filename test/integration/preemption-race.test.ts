// Two control-plane instances sweeping one store at once must not both evict for one preemptor.
// Instance A's sweep pauses right after its evictions (before it places the preemptor) while
// instance B sweeps in full: B sees the freed cluster still full (its report counts the
// terminating pods) and, without a claim on the preemptor, would evict two more jobs on the other
// cluster. With the claim, victims are evicted exactly once and one cluster loses work.
import { describe, expect, it } from 'vitest';
import { me, NOW, preemptionBody as body, twoClusterContext } from '../support/preemption-setup.js';
import { createDispatchContext } from '../../shared/dispatch/context.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { preemptForWaiting } from '../../shared/dispatch/preemption.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import type { StateStore } from '../../shared/store/port.js';

async function race(store: StateStore) {
  const { ctx } = await twoClusterContext(store);
  // Two instances: each its own policy service and cluster state cache, one store.
  const a = createDispatchContext(ctx);
  const b = createDispatchContext(ctx);
  await a.policy.put(me, { version: 1, preemption: { enabled: true } });
  const jobs = createJobService(ctx, createDispatcher(a));
  const control = createControlPlane(a);
  const at = new Date(NOW).toISOString();
  const low = [];
  for (let i = 0; i < 4; i++) low.push((await jobs.submit(me, body(`low-${i}`, 1, 10))).job);
  for (const j of low) {
    const { clusterId, attempt } = j.placement!;
    await control.report({ jobId: j.id, clusterId, attempt, phase: 'running', at });
  }
  // Both clusters report themselves full (the victims' pods stay until they are gone).
  const full = { 'nvidia-a100': { total: 2, free: 0, maxFreePerNode: 0, freePerNode: [0] } };
  for (const id of ['a', 'b']) await control.heartbeat(id, { reportedAt: at, accelerators: full });
  const high = (await jobs.submit(me, body('high', 2, 500))).job;
  expect(high.state).toBe('pending');

  // A pauses between its evictions and its placement (its first read after evicting) while B
  // sweeps in full; then A goes on.
  let bPlaced: number | undefined;
  let evicting = false;
  const forget = a.clusterState.forget.bind(a.clusterState);
  const read = a.clusterState.read.bind(a.clusterState);
  a.clusterState.forget = () => {
    forget();
    evicting = true;
  };
  a.clusterState.read = async () => {
    if (evicting && bPlaced === undefined) bPlaced = await preemptForWaiting(b);
    return read();
  };
  expect(await preemptForWaiting(a)).toBe(1);
  expect(bPlaced).toBe(0);
  const placed = (await store.jobs.get(high.id))!;
  expect(placed.state).toBe('dispatched');
  const after = await Promise.all(low.map(async (j) => (await store.jobs.get(j.id))!));
  const evicted = after.filter((j) => j.events.some((e) => e.reason === 'Preempted'));
  expect(evicted).toHaveLength(2);
  // Exactly one cluster lost work, and the preemptor went there.
  expect(new Set(evicted.map((j) => j.attempts![0]!.clusterId))).toEqual(
    new Set([placed.placement!.clusterId]),
  );
}

describe('two instances preempting for one job at once', () => {
  it('evict its victims exactly once (memory store)', async () => {
    await race(createMemoryStore());
  });

  it('evict its victims exactly once (SQLite store)', async () => {
    await race(createSqliteStore({ path: ':memory:' }));
  });
});
