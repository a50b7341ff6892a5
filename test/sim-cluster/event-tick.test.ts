// The simulated cluster reacts to events: a created Job's pod is bound and running at once, not on
// the scheduler's next period (here a minute, longer than the test may take), and the tick reads an
// index kept from store events, so pods that ended long ago are not walked again.
import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { startSimClusters } from '../../infra/sim-cluster/index.js';
import { Store } from '../../infra/sim-cluster/store.js';
import { TickIndex } from '../../infra/sim-cluster/tick-index.js';
import { tickIndexed } from '../../infra/sim-cluster/tick-indexed.js';
import { createJob } from '../../infra/sim-cluster/controller.js';
import { syncNodes } from '../../infra/sim-cluster/nodes.js';
import { EVENT_TTL_MS } from '../../infra/sim-cluster/events.js';
import type { JobObject, PodObject } from '../../infra/sim-cluster/types.js';
import { ACCEL, clients, gpuJob, startTestSim, waitFor } from './helpers.js';

let sims: SimCluster[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

describe('event-driven simulated cluster', () => {
  it('runs a new Job at once, without waiting for the scheduler period', async () => {
    const sim = await startTestSim({ tickMs: 60_000 });
    sims.push(sim);
    const { batch, core } = clients(sim.url);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    await batch.createNamespacedJob({ namespace: 'team-a', body: gpuJob({ name: 'now' }) });
    const pod = await waitFor(
      'the pod to run',
      async () =>
        (await core.listNamespacedPod({ namespace: 'team-a' })).items.find(
          (p) => p.status?.phase === 'Running',
        ),
      5_000,
    );
    expect(pod.spec?.nodeName).toMatch(/nvidia-a100/);
  });

  it('binds pending pods when GPUs free up and ends only the pods that are due', () => {
    const store = new Store(undefined);
    const now = new Date('2030-01-01T00:00:00Z');
    syncNodes(store, 't', [{ accelerator: ACCEL, nodes: 1, gpusPerNode: 1 }], now);
    let woken = 0;
    const index = new TickIndex(store, () => (woken += 1));
    const job = (name: string, seconds: number) =>
      createJob(
        store,
        { ...(gpuJob({ name, namespace: 'ns', seconds }) as unknown as JobObject) },
        now,
      );
    job('first', 1);
    job('second', 1);
    expect(woken).toBeGreaterThan(0);
    const log = () => {};
    const options = { defaultDurationSeconds: 1, log };
    tickIndexed(store, index, now, options);
    expect(index.running.size).toBe(1);
    expect(index.pending.size).toBe(1);
    // Before the first ends nothing changes; after it, the second gets its GPU in the same tick.
    tickIndexed(store, index, new Date(now.getTime() + 500), options);
    expect(index.pending.size).toBe(1);
    tickIndexed(store, index, new Date(now.getTime() + 1000), options);
    expect(index.pending.size).toBe(0);
    expect(index.running.size).toBe(1);
    expect(index.used.get([...index.used.keys()][0]!)).toBe(1);
    index.close();
    store.close();
  });

  it('ends pods at their run time or Job deadline and deletes TTL Jobs when due, in order', () => {
    const store = new Store(undefined);
    const now = new Date('2030-01-01T00:00:00Z');
    const at = (ms: number) => new Date(now.getTime() + ms);
    syncNodes(store, 't', [{ accelerator: ACCEL, nodes: 1, gpusPerNode: 8 }], now);
    const index = new TickIndex(store);
    const job = (name: string, seconds: number, extra: { [k: string]: number } = {}) =>
      createJob(
        store,
        gpuJob({ name, namespace: 'ns', seconds, ...extra }) as unknown as JobObject,
        now,
      );
    job('a', 5);
    job('b', 10, { activeDeadlineSeconds: 3 });
    job('c', 5, { ttlSecondsAfterFinished: 2 });
    job('d', 5);
    const ended: string[] = [];
    store.subscribe((e) => {
      const phase = (e.object as { status?: { phase?: string } }).status?.phase;
      if (e.kind === 'Pod' && (phase === 'Succeeded' || phase === 'Failed'))
        ended.push(`${e.object.metadata.name.split('-')[0]} ${phase}`);
    });
    const options = { defaultDurationSeconds: 1, log: () => {} };
    const before = JSON.stringify(store.eventsSince(0));
    tickIndexed(store, index, now, options);
    expect(index.running.size).toBe(4);
    // Binding wrote new versions; the stored ones it started from (watch history) are unchanged.
    expect(JSON.stringify(store.eventsSince(0).slice(0, JSON.parse(before).length))).toBe(before);
    tickIndexed(store, index, at(2_999), options);
    expect(ended).toEqual([]);
    tickIndexed(store, index, at(3_000), options);
    expect(ended).toEqual(['b Failed']);
    expect(store.get<JobObject>('Job', 'ns', 'b')?.status.conditions?.[1]?.reason).toBe(
      'DeadlineExceeded',
    );
    // Ending d first moves it behind a and c (a pod re-enters `running` on each write); the three
    // due in one tick then end in that order, as the walk over every running pod ended them.
    const d = store.list<PodObject>('Pod', 'ns').find((p) => p.metadata.name.startsWith('d-'))!;
    store.update('Pod', d);
    tickIndexed(store, index, at(4_999), options);
    expect(ended).toEqual(['b Failed']);
    tickIndexed(store, index, at(5_000), options);
    expect(ended).toEqual(['b Failed', 'a Succeeded', 'c Succeeded', 'd Succeeded']);
    tickIndexed(store, index, at(6_999), options);
    expect(store.get('Job', 'ns', 'c')).toBeDefined();
    tickIndexed(store, index, at(7_000), options);
    expect(store.get('Job', 'ns', 'c')).toBeUndefined();
    expect(store.get('Job', 'ns', 'a')).toBeDefined();
    index.close();
    store.close();
  });

  it("expires the scheduler's events an hour after their last occurrence, also after a restart", () => {
    const store = new Store(undefined);
    const now = new Date('2030-01-01T00:00:00Z');
    const at = (ms: number) => new Date(now.getTime() + ms);
    syncNodes(store, 't', [{ accelerator: ACCEL, nodes: 1, gpusPerNode: 1 }], now);
    let index = new TickIndex(store);
    const options = { defaultDurationSeconds: 1, log: () => {} };
    createJob(
      store,
      gpuJob({ name: 'big', namespace: 'ns', gpus: 2 }) as unknown as JobObject,
      now,
    );
    tickIndexed(store, index, now, options);
    expect(store.list('Event', 'ns')).toHaveLength(1);
    // A fresh index (as after a restart) finds the stored event and expires it on time.
    index.close();
    index = new TickIndex(store);
    tickIndexed(store, index, at(EVENT_TTL_MS - 1), options);
    expect(store.list('Event', 'ns')).toHaveLength(1);
    tickIndexed(store, index, at(EVENT_TTL_MS), options);
    expect(store.list('Event', 'ns')).toHaveLength(0);
    index.close();
    store.close();
  });

  it('hosts many clusters in one process', async () => {
    const many = await startSimClusters(5, (i) => ({
      id: `m${i}`,
      pools: [{ accelerator: ACCEL, nodes: 1, gpusPerNode: 8 }],
    }));
    sims.push(...many.clusters);
    expect(new Set(many.clusters.map((c) => c.url)).size).toBe(5);
  });
});
