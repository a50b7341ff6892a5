/** Watches through the real client-node `Watch`: replay, live events, bookmarks, 410, timeouts. */
import { Watch } from '@kubernetes/client-node';
import type { V1Job } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { clients, gpuJob, startTestSim, tempDir, waitFor } from './helpers.js';
import { join } from 'node:path';

interface Seen {
  type: string;
  object: V1Job & { code?: number; reason?: string };
}

let sim: SimCluster | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function watchJobs(
  url: string,
  path: string,
  params: Record<string, string | number | boolean | undefined>,
) {
  const { kc } = clients(url);
  const events: Seen[] = [];
  let ended: unknown = 'open';
  const controller = await new Watch(kc).watch(
    path,
    params,
    (type, object) => events.push({ type, object: object as Seen['object'] }),
    (err) => {
      ended = err;
    },
  );
  return { events, ended: () => ended, stop: () => controller.abort() };
}

describe('watch', () => {
  it('streams a job from ADDED through Running to Complete, filtered by label', async () => {
    sim = await startTestSim({ bookmarkMs: 200 });
    const { batch, core } = clients(sim.url);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    const listed = await batch.listJobForAllNamespaces({ labelSelector: 'watch=me' });
    const w = await watchJobs(sim.url, '/apis/batch/v1/jobs', {
      labelSelector: 'watch=me',
      resourceVersion: listed.metadata?.resourceVersion,
      allowWatchBookmarks: true,
    });
    await batch.createNamespacedJob({ namespace: 'team-a', body: gpuJob({ name: 'other' }) });
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'watched', labels: { watch: 'me' } }),
    });
    await waitFor('Complete event', () =>
      w.events.some((e) => e.object.status?.conditions?.some((c) => c.type === 'Complete')),
    );
    await waitFor('bookmark', () => w.events.some((e) => e.type === 'BOOKMARK'), 3_000);
    w.stop();
    const jobEvents = w.events.filter((e) => e.type !== 'BOOKMARK');
    expect(jobEvents.every((e) => e.object.metadata?.name === 'watched')).toBe(true);
    expect(jobEvents[0]?.type).toBe('ADDED');
    expect(jobEvents.slice(1).every((e) => e.type === 'MODIFIED')).toBe(true);
    expect(jobEvents.some((e) => e.object.status?.ready === 1)).toBe(true);
    const rvs = jobEvents.map((e) => Number(e.object.metadata?.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
    expect(Number(bookmark?.object.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('replays events after a resourceVersion and sends DELETED', async () => {
    sim = await startTestSim();
    const { batch, core } = clients(sim.url);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    const created = await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'gone', seconds: 30 }),
    });
    await batch.deleteNamespacedJob({
      namespace: 'team-a',
      name: 'gone',
      propagationPolicy: 'Background',
    });
    const w = await watchJobs(sim.url, '/apis/batch/v1/namespaces/team-a/jobs', {
      resourceVersion: Number(created.metadata?.resourceVersion) - 1,
    });
    await waitFor('DELETED', () => w.events.some((e) => e.type === 'DELETED'));
    w.stop();
    expect(w.events[0]?.type).toBe('ADDED');
    expect(w.events.at(-1)?.type).toBe('DELETED');
  });

  it('starts with ADDED for existing objects without a resourceVersion, and honours timeoutSeconds', async () => {
    sim = await startTestSim();
    const { batch, core } = clients(sim.url);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'exists', seconds: 30 }),
    });
    const w = await watchJobs(sim.url, '/apis/batch/v1/jobs', { timeoutSeconds: 1 });
    await waitFor('watch ended by timeout', () => w.ended() !== 'open', 4_000);
    expect(w.ended()).toBeNull();
    expect(w.events.map((e) => [e.type, e.object.metadata?.name])).toContainEqual([
      'ADDED',
      'exists',
    ]);
    const nodes = await watchJobs(sim.url, '/api/v1/nodes', { timeoutSeconds: 1 });
    await waitFor('node events', () => nodes.events.length === 2);
    nodes.stop();
  });

  it('answers a resourceVersion older than its history with an ERROR 410 Expired event', async () => {
    const dataFile = join(tempDir(), 'sim.db');
    sim = await startTestSim({ dataFile });
    const { batch, core } = clients(sim.url);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    const created = await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'old', seconds: 30 }),
    });
    await sim.close();
    sim = await startTestSim({ dataFile });
    const w = await watchJobs(sim.url, '/apis/batch/v1/jobs', {
      resourceVersion: created.metadata?.resourceVersion,
      allowWatchBookmarks: true,
    });
    await waitFor('watch closed', () => w.ended() !== 'open');
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe('ERROR');
    expect(w.events[0]?.object).toMatchObject({
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      status: 'Failure',
    });
  });
});
