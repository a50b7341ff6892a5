/**
 * `suspend`, the simulated Kueue's quota admission, and the per-cluster operators option: a
 * cluster without Kubeflow and Ray does not serve those groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { apiError, clients, startTestSim, waitFor } from './helpers.js';
import { conditionIs, customObjects, GROUPS, jobSet, pytorchJob } from './workload-fixtures.js';

type Obj = {
  metadata: { name: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};
const sims: SimCluster[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function podCount(url: string, selector: string): Promise<number> {
  return (
    await clients(url).core.listNamespacedPod({ namespace: 'default', labelSelector: selector })
  ).items.length;
}

describe('suspend and Kueue admission', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestSim({ id: 'kueue', kueue: { gpuQuota: 4, localQueue: 'team-queue' } });
    sims.push(sim);
  });

  it('a suspended JobSet has no pods and a Suspended condition until resumed', async () => {
    const api = customObjects(sim.url);
    await api.createNamespacedCustomObject({
      ...GROUPS.jobsets,
      namespace: 'default',
      body: jobSet({ name: 'js-susp', suspend: true, jobId: 'job-js-susp' }),
    });
    const suspended = await waitFor('Suspended condition', async () => {
      const o = (await api.getNamespacedCustomObject({
        ...GROUPS.jobsets,
        namespace: 'default',
        name: 'js-susp',
      })) as Obj;
      return conditionIs(o, 'Suspended') ? o : undefined;
    });
    expect(suspended.status?.terminalState).toBeUndefined();
    expect(await podCount(sim.url, 'switchyard.io/job-id=job-js-susp')).toBe(0);
    await api.patchNamespacedCustomObject({
      ...GROUPS.jobsets,
      namespace: 'default',
      name: 'js-susp',
      body: [{ op: 'replace', path: '/spec/suspend', value: false }],
    });
    await waitFor('resumed and completed', async () => {
      const o = (await api.getNamespacedCustomObject({
        ...GROUPS.jobsets,
        namespace: 'default',
        name: 'js-susp',
      })) as Obj;
      return conditionIs(o, 'Completed') ? o : undefined;
    });
  });

  it('admits queue-labelled workloads within the GPU quota, oldest first, and the next when quota frees', async () => {
    const api = customObjects(sim.url);
    // Each needs 2 pods × 2 GPUs = 4 GPUs: the whole quota.
    for (const name of ['pt-q1', 'pt-q2'])
      await api.createNamespacedCustomObject({
        ...GROUPS.pytorchjobs,
        namespace: 'default',
        body: pytorchJob({ name, gpus: 2, seconds: 1, queue: 'team-queue', jobId: `job-${name}` }),
      });
    const created = (await api.getNamespacedCustomObject({
      ...GROUPS.pytorchjobs,
      namespace: 'default',
      name: 'pt-q2',
    })) as Obj;
    expect((created.spec?.runPolicy as { suspend: boolean }).suspend).toBe(true);
    const wl2 = await waitFor('pt-q2 pending in Kueue', async () => {
      const wl = (await api.getNamespacedCustomObject({
        group: 'kueue.x-k8s.io',
        version: 'v1beta1',
        plural: 'workloads',
        namespace: 'default',
        name: 'pytorchjob-pt-q2',
      })) as Obj;
      const c = (
        wl.status?.conditions as { type: string; status: string; message: string }[] | undefined
      )?.find((x) => x.type === 'QuotaReserved');
      return c?.status === 'False' ? c : undefined;
    });
    expect(wl2.message).toContain(
      'insufficient unused quota for nvidia.com/gpu in flavor default-flavor, 4 more needed',
    );
    expect(await podCount(sim.url, 'switchyard.io/job-id=job-pt-q2')).toBe(0);
    await waitFor(
      'pt-q1 admitted and running',
      async () => (await podCount(sim.url, 'switchyard.io/job-id=job-pt-q1')) === 2,
    );
    const q2 = await waitFor('pt-q2 admitted after pt-q1 finished, then succeeded', async () => {
      const o = (await api.getNamespacedCustomObject({
        ...GROUPS.pytorchjobs,
        namespace: 'default',
        name: 'pt-q2',
      })) as Obj;
      return conditionIs(o, 'Succeeded') ? o : undefined;
    });
    expect((q2.spec?.runPolicy as { suspend: boolean }).suspend).toBe(false);
    const q1 = (await api.getNamespacedCustomObject({
      ...GROUPS.pytorchjobs,
      namespace: 'default',
      name: 'pt-q1',
    })) as Obj;
    const q1Done = Date.parse(String(q1.status?.completionTime));
    const q2Start = Date.parse(String(q2.status?.startTime));
    expect(q2Start).toBeGreaterThanOrEqual(q1Done);
  });
});

describe('operators option', () => {
  it('a cluster without kubeflow and ray serves only jobset.x-k8s.io', async () => {
    const sim = await startTestSim({ id: 'nokf', operators: ['jobset'] });
    sims.push(sim);
    const groups = (
      (await (await fetch(`${sim.url}/apis`)).json()) as { groups: { name: string }[] }
    ).groups.map((g) => g.name);
    expect(groups).toContain('jobset.x-k8s.io');
    expect(groups).not.toContain('kubeflow.org');
    expect(groups).not.toContain('ray.io');
    expect(groups).not.toContain('kueue.x-k8s.io');
    expect((await fetch(`${sim.url}/apis/kubeflow.org/v1`)).status).toBe(404);
    const crds = (await (
      await fetch(`${sim.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`)
    ).json()) as { items: { metadata: { name: string } }[] };
    expect(crds.items.map((c) => c.metadata.name)).toEqual(['jobsets.jobset.x-k8s.io']);
    const refused = await apiError(
      customObjects(sim.url).createNamespacedCustomObject({
        ...GROUPS.pytorchjobs,
        namespace: 'default',
        body: pytorchJob({ name: 'pt' }),
      }),
    );
    expect(refused.code).toBe(404);
  });
});
