/**
 * The simulated workload operators through @kubernetes/client-node's CustomObjectsApi: each kind
 * runs its gang to success (seen through a watch), a gang waits with no pod bound until all of it
 * fits, a failing replica fails the workload with its exit code, and the schemas refuse bad fields.
 */
import { Watch } from '@kubernetes/client-node';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { apiError, clients, gpuJob, kubeConfig, startTestSim, waitFor } from './helpers.js';
import {
  conditionIs,
  customObjects,
  GROUPS,
  jobSet,
  pytorchJob,
  rayJob,
} from './workload-fixtures.js';

let sim: SimCluster;
type Obj = { metadata: { name: string }; status?: Record<string, unknown> };

beforeAll(async () => {
  sim = await startTestSim({ id: 'gang' });
});
afterAll(async () => {
  await sim?.close();
});

/** Resolves with the first object of the watch for which `done` holds. */
function watchUntil(path: string, name: string, done: (o: Obj) => boolean): Promise<Obj> {
  const watch = new Watch(kubeConfig(sim.url));
  return new Promise((resolve, reject) => {
    let req: { abort: () => void } | undefined;
    const timer = setTimeout(() => {
      req?.abort();
      reject(new Error(`watch of ${name} timed out`));
    }, 10_000);
    void watch
      .watch(
        path,
        {},
        (_type, o: Obj) => {
          if (o.metadata.name !== name || !done(o)) return;
          clearTimeout(timer);
          req?.abort();
          resolve(o);
        },
        () => undefined,
      )
      .then((r) => (req = r));
  });
}

async function pods(selector: string): Promise<V1Pod[]> {
  return (
    await clients(sim.url).core.listNamespacedPod({ namespace: 'default', labelSelector: selector })
  ).items;
}

describe.concurrent('each kind runs its gang to success', () => {
  it('PyTorchJob: master + workers with torchrun env, Succeeded through a watch', async () => {
    const api = customObjects(sim.url);
    const watched = watchUntil(
      '/apis/kubeflow.org/v1/namespaces/default/pytorchjobs',
      'pt-ok',
      (o) => conditionIs(o, 'Succeeded'),
    );
    await api.createNamespacedCustomObject({
      ...GROUPS.pytorchjobs,
      namespace: 'default',
      body: pytorchJob({ name: 'pt-ok', workers: 2, jobId: 'job-pt-ok' }),
    });
    const gang = await waitFor('3 pods', async () =>
      (await pods('switchyard.io/job-id=job-pt-ok')).length === 3 ? true : undefined,
    );
    expect(gang).toBe(true);
    const names = (await pods('switchyard.io/job-id=job-pt-ok'))
      .map((p) => p.metadata?.name)
      .sort();
    expect(names).toEqual(['pt-ok-master-0', 'pt-ok-worker-0', 'pt-ok-worker-1']);
    const worker = (
      await pods('training.kubeflow.org/replica-type=worker,training.kubeflow.org/replica-index=1')
    )[0];
    const env = Object.fromEntries(
      (worker?.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
    );
    expect(env).toMatchObject({ WORLD_SIZE: '3', RANK: '2', MASTER_ADDR: 'pt-ok-master-0' });
    const done = await watched;
    const status = done.status as { replicaStatuses: Record<string, { succeeded: number }> };
    expect(status.replicaStatuses.Master?.succeeded).toBe(1);
    expect(conditionIs(done, 'Created')).toBe(true);
  });

  it('JobSet: one pod per replicated job replica, Completed', async () => {
    const api = customObjects(sim.url);
    const watched = watchUntil(
      '/apis/jobset.x-k8s.io/v1alpha2/namespaces/default/jobsets',
      'js-ok',
      (o) => conditionIs(o, 'Completed'),
    );
    await api.createNamespacedCustomObject({
      ...GROUPS.jobsets,
      namespace: 'default',
      body: jobSet({ name: 'js-ok', replicas: 2, jobId: 'job-js-ok' }),
    });
    const done = await watched;
    expect(done.status?.terminalState).toBe('Completed');
    expect(done.status?.replicatedJobsStatus).toEqual([
      expect.objectContaining({ name: 'workers', succeeded: 2 }),
    ]);
  });

  it('RayJob: head + workers, SUCCEEDED/Complete, cluster pods deleted after shutdownAfterJobFinishes', async () => {
    const api = customObjects(sim.url);
    const watched = watchUntil(
      '/apis/ray.io/v1/namespaces/default/rayjobs',
      'ray-ok',
      (o) => o.status?.jobDeploymentStatus === 'Complete',
    );
    await api.createNamespacedCustomObject({
      ...GROUPS.rayjobs,
      namespace: 'default',
      body: rayJob({ name: 'ray-ok', workers: 2, jobId: 'job-ray-ok' }),
    });
    await waitFor('ray pods', async () =>
      (await pods('ray.io/cluster=ray-ok-raycluster')).length === 3 ? true : undefined,
    );
    const done = await watched;
    expect(done.status).toMatchObject({
      jobStatus: 'SUCCEEDED',
      rayClusterName: 'ray-ok-raycluster',
    });
    await waitFor('ray cluster shut down', async () =>
      (await pods('ray.io/cluster=ray-ok-raycluster')).length === 0 ? true : undefined,
    );
  });
});

describe.concurrent('deadlines', () => {
  it('PyTorchJob runPolicy.activeDeadlineSeconds fails the workload with DeadlineExceeded', async () => {
    const api = customObjects(sim.url);
    const body = pytorchJob({ name: 'pt-deadline', gpus: 0, seconds: 60 });
    body.spec.runPolicy = {
      ...body.spec.runPolicy,
      activeDeadlineSeconds: 1,
    } as typeof body.spec.runPolicy;
    await api.createNamespacedCustomObject({ ...GROUPS.pytorchjobs, namespace: 'default', body });
    const failed = await waitFor('deadline', async () => {
      const o = (await api.getNamespacedCustomObject({
        ...GROUPS.pytorchjobs,
        namespace: 'default',
        name: 'pt-deadline',
      })) as Obj;
      return conditionIs(o, 'Failed') ? o : undefined;
    });
    const cond = (failed.status?.conditions as { type: string; reason: string }[]).find(
      (c) => c.type === 'Failed',
    );
    expect(cond?.reason).toBe('DeadlineExceeded');
    expect(await pods('training.kubeflow.org/job-name=pt-deadline')).toHaveLength(0);
  });
});

describe('gang scheduling, failure, validation', () => {
  it('waits with zero pods bound while the gang does not fit, then runs when room frees', async () => {
    const { batch, core } = clients(sim.url);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } }).catch(() => undefined);
    // 2 nodes × 4 GPUs; a 3-GPU job leaves room for one 4-GPU pod only.
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'blocker', gpus: 3, seconds: 2 }),
    });
    await waitFor('blocker running', async () =>
      (await core.listNamespacedPod({ namespace: 'team-a' })).items.some(
        (p) => p.status?.phase === 'Running',
      ),
    );
    const api = customObjects(sim.url);
    await api.createNamespacedCustomObject({
      ...GROUPS.pytorchjobs,
      namespace: 'default',
      body: pytorchJob({ name: 'pt-wait', gpus: 4, jobId: 'job-pt-wait' }),
    });
    const event = await waitFor(
      'FailedScheduling on the PyTorchJob',
      async () =>
        (
          await core.listNamespacedEvent({
            namespace: 'default',
            fieldSelector: 'involvedObject.name=pt-wait,reason=FailedScheduling',
          })
        ).items[0],
    );
    expect((event as CoreV1Event).message).toContain(
      'does not fit at once: 1/2 pods could be placed',
    );
    const waiting = await pods('switchyard.io/job-id=job-pt-wait');
    expect(waiting).toHaveLength(2);
    expect(waiting.filter((p) => p.spec?.nodeName)).toHaveLength(0);
    const done = await waitFor('pt-wait succeeded', async () => {
      const o = (await api.getNamespacedCustomObject({
        ...GROUPS.pytorchjobs,
        namespace: 'default',
        name: 'pt-wait',
      })) as Obj;
      return conditionIs(o, 'Succeeded') ? o : undefined;
    });
    expect(done).toBeTruthy();
  });

  it('a failing replica fails the workload with its exit code; the others are stopped', async () => {
    const api = customObjects(sim.url);
    await api.createNamespacedCustomObject({
      ...GROUPS.pytorchjobs,
      namespace: 'default',
      body: pytorchJob({
        name: 'pt-fail',
        workers: 2,
        exitCode: 3,
        failReplica: 'worker-1',
        seconds: 1,
        jobId: 'job-pt-fail',
      }),
    });
    const failed = await waitFor('pt-fail failed', async () => {
      const o = (await api.getNamespacedCustomObject({
        ...GROUPS.pytorchjobs,
        namespace: 'default',
        name: 'pt-fail',
      })) as Obj;
      return conditionIs(o, 'Failed') ? o : undefined;
    });
    const cond = (failed.status?.conditions as { type: string; message: string }[]).find(
      (c) => c.type === 'Failed',
    );
    expect(cond?.message).toContain('pt-fail-worker-1 (Worker) exited with code 3');
    const pod = (await pods('switchyard.io/job-id=job-pt-fail')).find(
      (p) => p.metadata?.name === 'pt-fail-worker-1',
    );
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    const others = (await pods('switchyard.io/job-id=job-pt-fail')).filter(
      (p) => p.status?.phase === 'Failed',
    );
    expect(others.map((p) => p.metadata?.name)).toEqual(['pt-fail-worker-1']);
  });

  it('refuses a wrongly typed field with 422 naming it, and an unknown field under Strict with 400', async () => {
    const api = customObjects(sim.url);
    const bad = pytorchJob({ name: 'pt-bad' });
    (bad.spec.pytorchReplicaSpecs.Worker as Record<string, unknown>).replicas = 'two';
    const typed = await apiError(
      api.createNamespacedCustomObject({ ...GROUPS.pytorchjobs, namespace: 'default', body: bad }),
    );
    expect(typed.code).toBe(422);
    expect(String(typed.body.message)).toContain(
      'spec.pytorchReplicaSpecs.Worker.replicas in body must be of type integer',
    );
    const noPytorch = rayJob({ name: 'ray-bad' });
    (noPytorch.spec as Record<string, unknown>).entrypointt = 'x';
    const res = await fetch(
      `${sim.url}/apis/ray.io/v1/namespaces/default/rayjobs?fieldValidation=Strict`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(noPytorch),
      },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(
      'unknown field "spec.entrypointt"',
    );
    const missing = pytorchJob({ name: 'pt-nocontainer' });
    missing.spec.pytorchReplicaSpecs.Master.template.spec.containers[0]!.name = 'main';
    const semantic = await apiError(
      api.createNamespacedCustomObject({
        ...GROUPS.pytorchjobs,
        namespace: 'default',
        body: missing,
      }),
    );
    expect(semantic.code).toBe(422);
    expect(String(semantic.body.message)).toContain('no container named pytorch');
  });

  it('failCreates applies to workload creates, which count in the stats', async () => {
    const api = customObjects(sim.url);
    sim.setFaults({ failCreates: { status: 503, count: 1 } });
    const before = sim.stats().createAttempts;
    const body = rayJob({ name: 'ray-fault' });
    const failed = await apiError(
      api.createNamespacedCustomObject({ ...GROUPS.rayjobs, namespace: 'default', body }),
    );
    expect(failed.code).toBe(503);
    await api.createNamespacedCustomObject({ ...GROUPS.rayjobs, namespace: 'default', body });
    sim.setFaults({});
    expect(sim.stats().createAttempts).toBe(before + 2);
    expect(sim.stats().creates['default/ray-fault']).toBe(1);
  });

  it('deleting a workload garbage-collects its pods', async () => {
    const api = customObjects(sim.url);
    await api.createNamespacedCustomObject({
      ...GROUPS.jobsets,
      namespace: 'default',
      body: jobSet({ name: 'js-del', seconds: 60, jobId: 'job-js-del' }),
    });
    await waitFor('pods', async () =>
      (await pods('switchyard.io/job-id=job-js-del')).length === 2 ? true : undefined,
    );
    await api.deleteNamespacedCustomObject({
      ...GROUPS.jobsets,
      namespace: 'default',
      name: 'js-del',
    });
    await waitFor('pods gone', async () =>
      (await pods('switchyard.io/job-id=job-js-del')).length === 0 ? true : undefined,
    );
  });
});
