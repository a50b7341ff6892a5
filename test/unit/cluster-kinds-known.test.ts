// `GET /v1/clusters` says what placement knows about a cluster's workload kinds: a Kubernetes
// cluster that declares none and has not reported yet runs Jobs, and whether it runs JobSets,
// PyTorchJobs or RayJobs is not known (`kindsKnown: false`; placement makes those wait), rather
// than claiming `kinds: ["job"]` as if it had reported. The CLI's clusters table says so too.
import { describe, expect, it } from 'vitest';
import { renderClusters, type ClusterView } from '../../functions/cli/commands/clusters.js';
import { clusterView } from '../../shared/api/views.js';
import { createClusterService } from '../../shared/clusters/service.js';
import type { Cluster } from '../../shared/domain/cluster.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { ADMIN, createFixture } from '../security/fixture.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

function cluster(extra: Partial<Cluster> = {}): Cluster {
  return {
    id: 'c1',
    cloud: 'aws',
    region: 'us-east-1',
    labels: {},
    queue: 'aws',
    state: 'active',
    pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8 }],
    version: 1,
    updatedAt: new Date(NOW).toISOString(),
    ...extra,
  };
}

const capacity = (kinds?: Cluster['kinds']) => ({
  reportedAt: new Date(NOW).toISOString(),
  accelerators: { 'nvidia-a100': { total: 16, free: 16, maxFreePerNode: 8 } },
  ...(kinds ? { kinds } : {}),
});

describe('clusterView: which workload kinds are known', () => {
  it.each([
    { name: 'Kubernetes, not reported, none declared', c: {}, kinds: ['job'], known: false },
    {
      name: 'declared in the configuration',
      c: { kinds: ['job', 'jobset'] },
      kinds: ['job', 'jobset'],
      known: true,
    },
    {
      name: 'Slurm (runs job only)',
      c: { slurm: { partition: 'gpu' } },
      kinds: ['job'],
      known: true,
    },
    {
      name: 'reported by its drainer',
      c: { capacity: capacity(['job', 'rayjob']) },
      kinds: ['job', 'rayjob'],
      known: true,
    },
    {
      name: 'reported without kinds (Jobs only)',
      c: { capacity: capacity() },
      kinds: ['job'],
      known: true,
    },
  ] as Array<{ name: string; c: Partial<Cluster>; kinds: string[]; known: boolean }>)(
    '$name',
    ({ c, kinds, known }) => {
      const view = clusterView(cluster(c), NOW, 60_000);
      expect(view.kinds).toEqual(kinds);
      expect(view.kindsKnown).toBe(known);
    },
  );
});

describe('GET /v1/clusters and the CLI', () => {
  it('says "not reported yet" until the drainer reports the kinds, then lists them', async () => {
    const f = await createFixture();
    f.clock.set(Date.now());
    const token = (await f.mint(ADMIN)).token;
    await createClusterService(f.ctx).register([
      {
        id: 'gke-new',
        cloud: 'gcp',
        region: 'us-central1',
        labels: {},
        queue: 'gcp',
        pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
      },
    ]);
    const read = async () => {
      const res = await f.call('GET', '/v1/clusters', { token });
      expect(res.status).toBe(200);
      return (res.body as { items: ClusterView[] }).items.find((c) => c.id === 'gke-new')!;
    };
    const before = await read();
    expect(before).toMatchObject({ kinds: ['job'], kindsKnown: false });
    expect(renderClusters([before], Date.now())).toContain('job (others not reported yet)');

    const control = createHttpControlPlane({
      baseUrl: 'http://switchyard.test',
      token,
      fetch: (url, init) => Promise.resolve(f.app.request(String(url), init)),
    });
    await control.heartbeat('gke-new', {
      reportedAt: new Date(f.clock.now()).toISOString(),
      accelerators: { 'nvidia-a100': { total: 8, free: 8, maxFreePerNode: 8 } },
      kinds: ['job', 'jobset'],
    });
    const after = await read();
    expect(after).toMatchObject({ kinds: ['job', 'jobset'], kindsKnown: true });
    const table = renderClusters([after], Date.now());
    expect(table).toContain('job, jobset');
    expect(table).not.toContain('not reported');
    // The OpenAPI description lists the new field beside `kinds`.
    const spec = (await f.call('GET', '/openapi.json')).body as {
      components: { schemas: { Cluster: { properties: Record<string, unknown> } } };
    };
    expect(spec.components.schemas.Cluster.properties).toHaveProperty('kindsKnown');
    expect(spec.components.schemas.Cluster.properties).toHaveProperty('kinds');
  });
});
