/**
 * The embedded default's simulated clusters as functions/server/clusters.ts starts them: one has
 * room for a 4 × 8 H100 gang (which runs there as a PyTorchJob), one has no Kubeflow or Ray
 * operator (their groups are absent from discovery), and a `kueue` setting installs Kueue.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusters } from '../../functions/server/clusters.js';
import type { StartedClusters } from '../../functions/server/clusters.js';
import { loadConfig } from '../../shared/config/load.node.js';
import { parseConfig } from '../../shared/config/schema.js';
import { tempDir, waitFor } from './helpers.js';
import { conditionIs, customObjects, GROUPS, podTemplate } from './workload-fixtures.js';

let started: StartedClusters;
let dir: string;

beforeAll(async () => {
  dir = tempDir('sim-embedded-');
  const { config } = loadConfig({});
  started = await startClusters({ ...config, server: { ...config.server, port: 0 } }, dir);
});
afterAll(async () => {
  await Promise.all(started.sims.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const sim = (id: string) => started.sims.find((s) => s.id === id)!;
const groups = async (id: string) =>
  (
    (await (await fetch(`${sim(id).url}/apis`)).json()) as { groups: { name: string }[] }
  ).groups.map((g) => g.name);

describe('embedded default', () => {
  it('keeps the first three clusters and adds the gang pool and a cluster without kubeflow/ray', async () => {
    expect(started.definitions.map((d) => d.id)).toEqual([
      'aws-us-east-1',
      'gcp-europe-west4',
      'onprem-dc1',
      'gcp-us-central1',
      'onprem-dc2',
    ]);
    expect(await groups('onprem-dc2')).toContain('jobset.x-k8s.io');
    expect(await groups('onprem-dc2')).not.toContain('kubeflow.org');
    expect(await groups('onprem-dc2')).not.toContain('ray.io');
    for (const id of ['aws-us-east-1', 'gcp-us-central1'])
      expect(await groups(id)).toEqual(
        expect.arrayContaining(['jobset.x-k8s.io', 'kubeflow.org', 'ray.io']),
      );
  });

  it('runs a 4 × 8 nvidia-h100 PyTorchJob gang on gcp-us-central1', async () => {
    const template = podTemplate({ name: 'ft', gpus: 8, seconds: 1 }, 'pytorch');
    template.spec.nodeSelector = { 'switchyard.io/accelerator': 'nvidia-h100' };
    const body = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'ft', namespace: 'default' },
      spec: {
        pytorchReplicaSpecs: {
          Master: { replicas: 1, template },
          Worker: { replicas: 3, template },
        },
      },
    };
    const api = customObjects(sim('gcp-us-central1').url);
    await api.createNamespacedCustomObject({ ...GROUPS.pytorchjobs, namespace: 'default', body });
    await waitFor('the 32-GPU gang succeeded', async () =>
      conditionIs(
        (await api.getNamespacedCustomObject({
          ...GROUPS.pytorchjobs,
          namespace: 'default',
          name: 'ft',
        })) as object,
        'Succeeded',
      ),
    );
  });

  it('reads operators and kueue from a simulated cluster config, and refuses unknown operators', () => {
    const cluster = (simulated: object) => ({
      clusters: [
        {
          id: 'k8s-a',
          cloud: 'aws',
          region: 'r',
          pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
          connect: { simulated },
        },
      ],
    });
    const ok = parseConfig(
      cluster({ operators: ['jobset', 'kueue'], kueue: { gpuQuota: 8, localQueue: 'team-q' } }),
      't.yaml',
    );
    expect(ok.clusters[0]!.connect).toMatchObject({
      simulated: { operators: ['jobset', 'kueue'], kueue: { gpuQuota: 8, localQueue: 'team-q' } },
    });
    expect(() => parseConfig(cluster({ operators: ['volcano'] }), 't.yaml')).toThrow(
      /clusters\.0\.connect/,
    );
  });
});
