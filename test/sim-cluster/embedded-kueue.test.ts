/**
 * One Kueue setting is enough for a simulated cluster started by functions/server/clusters.ts:
 * a cluster-level `kueue: { localQueue }` installs a simulated Kueue with that LocalQueue, the
 * driver labels and suspends what it creates, and the simulated Kueue admits it to the end. The
 * cluster advertises its operators' kinds before any capacity report.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusters, type StartedClusters } from '../../functions/server/clusters.js';
import { newId } from '../../shared/base/clock.js';
import { parseConfig } from '../../shared/config/schema.js';
import { buildManifest } from '../../shared/targets/kubernetes/manifest.js';
import { tempDir, waitFor } from './helpers.js';

let started: StartedClusters;
let dir: string;

beforeAll(async () => {
  dir = tempDir('sim-kueue-');
  const config = parseConfig(
    {
      server: { port: 0 },
      clusters: [
        {
          id: 'k8s-queued',
          cloud: 'gcp',
          region: 'r',
          pools: [{ accelerator: 'nvidia-h100', nodes: 2, gpusPerNode: 8 }],
          kueue: { localQueue: 'team-a' },
          connect: { simulated: {} },
        },
      ],
    },
    't.yaml',
  );
  started = await startClusters(config, dir);
});
afterAll(async () => {
  await Promise.all([...started.drivers.values()].map((d) => d.close()));
  await Promise.all(started.sims.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a simulated cluster with only a cluster-level kueue setting', () => {
  it('advertises its kinds, installs Kueue, and runs a queued gang once admitted', async () => {
    const [definition] = started.definitions;
    expect(definition).toMatchObject({
      kueue: { localQueue: 'team-a' },
      kinds: ['job', 'jobset', 'pytorchjob', 'rayjob'],
    });
    const driver = started.drivers.get('k8s-queued')!;
    expect((await driver.capacity()).kueue).toBe(true);
    await driver.ensureNamespace('sy-queued', {});
    const id = newId();
    const m = buildManifest({
      jobId: id,
      tenantId: 'queued',
      submittedBy: 'test',
      spec: {
        name: 'queued gang',
        project: 'queued',
        image: 'busybox:1.36',
        kind: 'pytorchjob',
        nodes: 2,
        env: { SIM_DURATION_SECONDS: '1' },
        resources: { accelerator: { type: 'nvidia-h100', count: 8 } },
        priority: 0,
        labels: {},
      },
      placement: {
        clusterId: 'k8s-queued',
        queue: 'gcp',
        namespace: 'sy-queued',
        kubeName: `sy-${id}`,
        attempt: 1,
      },
    });
    expect(await driver.createJob(m)).toBe('created');
    const sim = started.sims[0]!;
    const path = `/apis/kubeflow.org/v1/namespaces/sy-queued/pytorchjobs/sy-${id}`;
    const created = (await (await fetch(`${sim.url}${path}`)).json()) as {
      metadata: { labels: Record<string, string> };
    };
    expect(created.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('team-a');
    const done = await waitFor(
      'the admitted gang to succeed',
      async () => {
        const s = await driver.getJob('sy-queued', `sy-${id}`, 'pytorchjob');
        return s?.phase === 'succeeded' || s?.phase === 'failed' ? s : undefined;
      },
      15_000,
    );
    expect(done.phase).toBe('succeeded');
  });
});
