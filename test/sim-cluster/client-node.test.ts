/** The simulated API through the real @kubernetes/client-node 1.4: jobs, pods, nodes, errors. */
import type { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { apiError, clients, conditionTrue, gpuJob, startTestSim, waitFor } from './helpers.js';

let sim: SimCluster;
let batch: BatchV1Api;
let core: CoreV1Api;

beforeEach(async () => {
  sim = await startTestSim();
  ({ batch, core } = clients(sim.url));
  await core.createNamespace({ body: { metadata: { name: 'team-a', labels: { team: 'a' } } } });
});
afterEach(() => sim.close());

const readJob = (name: string) => batch.readNamespacedJob({ namespace: 'team-a', name });

describe('namespaces and nodes', () => {
  it('keeps namespace labels and answers 409 AlreadyExists for a second create', async () => {
    const ns = await core.readNamespace({ name: 'team-a' });
    expect(ns.metadata?.labels).toMatchObject({ team: 'a' });
    expect(ns.status?.phase).toBe('Active');
    const err = await apiError(core.createNamespace({ body: { metadata: { name: 'team-a' } } }));
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
    });
  });

  it('lists GPU nodes with labels, taint, capacity and a Ready condition', async () => {
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual([
      'test-nvidia-a100-0',
      'test-nvidia-a100-1',
    ]);
    const node = nodes.items[0];
    expect(node?.metadata?.labels).toMatchObject({
      'switchyard.io/accelerator': 'nvidia-a100',
      'nvidia.com/gpu.product': 'nvidia-a100',
      'nvidia.com/gpu.count': '4',
    });
    expect(node?.spec?.taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
    ]);
    expect(node?.status?.allocatable?.['nvidia.com/gpu']).toBe('4');
    expect(node?.status?.capacity).toMatchObject({ cpu: '32', pods: '110' });
    expect(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});

describe('job lifecycle', () => {
  it('runs a GPU job: pod Running on a node, then Complete', async () => {
    const created = await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'train-ok', gpus: 2 }),
    });
    expect(created.metadata?.uid).toBeTruthy();
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.generation).toBe(1);
    const running = await waitFor('running', async () => {
      const j = await readJob('train-ok');
      return j.status?.ready === 1 ? j : undefined;
    });
    expect(running.status?.active).toBe(1);
    expect(running.status?.startTime).toBeTruthy();
    const pods = await core.listPodForAllNamespaces({ labelSelector: 'job-name=train-ok' });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0];
    expect(pod?.metadata?.name).toMatch(/^train-ok-[a-z0-9]{5}$/);
    expect(pod?.metadata?.labels).toMatchObject({
      'batch.kubernetes.io/job-name': 'train-ok',
      app: 'trainer',
    });
    expect(pod?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Job',
      name: 'train-ok',
      uid: created.metadata?.uid,
    });
    expect(pod?.status?.phase).toBe('Running');
    expect(pod?.spec?.nodeName).toMatch(/^test-nvidia-a100-/);
    const done = await waitFor('complete', async () => {
      const j = await readJob('train-ok');
      return conditionTrue(j, 'Complete') ? j : undefined;
    });
    expect(conditionTrue(done, 'SuccessCriteriaMet')).toBe(true);
    expect(done.status?.succeeded).toBe(1);
    expect(done.status?.active ?? 0).toBe(0);
    expect(done.status?.completionTime).toBeTruthy();
    const after = await core.listNamespacedPod({
      namespace: 'team-a',
      labelSelector: 'job-name=train-ok',
    });
    expect(after.items[0]?.status?.phase).toBe('Succeeded');
  });

  it('fails a job whose container exits non-zero (BackoffLimitExceeded)', async () => {
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'train-bad', exitCode: 3 }),
    });
    const failed = await waitFor('failed', async () => {
      const j = await readJob('train-bad');
      return conditionTrue(j, 'Failed') ? j : undefined;
    });
    expect(failed.status?.failed).toBe(1);
    expect(conditionTrue(failed, 'FailureTarget')).toBe(true);
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe(
      'BackoffLimitExceeded',
    );
    const pods = await core.listNamespacedPod({
      namespace: 'team-a',
      labelSelector: 'job-name=train-bad',
    });
    expect(pods.items[0]?.status?.phase).toBe('Failed');
    expect(pods.items[0]?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
  });

  it('fails a job past activeDeadlineSeconds with DeadlineExceeded', async () => {
    const started = Date.now();
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'slow', seconds: 60, activeDeadlineSeconds: 1 }),
    });
    const failed = await waitFor(
      'deadline',
      async () => {
        const j = await readJob('slow');
        return conditionTrue(j, 'Failed') ? j : undefined;
      },
      5_000,
    );
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe(
      'DeadlineExceeded',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('keeps a job Pending while GPUs are full and runs it once they are freed', async () => {
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'big-1', gpus: 4, seconds: 1 }),
    });
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'big-2', gpus: 4, seconds: 30 }),
    });
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'waiter', gpus: 4 }),
    });
    const pending = await waitFor('unschedulable', async () => {
      const pods = await core.listNamespacedPod({
        namespace: 'team-a',
        labelSelector: 'job-name=waiter',
      });
      const p = pods.items[0];
      return p?.status?.conditions?.some((c) => c.reason === 'Unschedulable') ? p : undefined;
    });
    expect(pending.status?.phase).toBe('Pending');
    const scheduled = pending.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(scheduled?.status).toBe('False');
    expect(scheduled?.message).toContain('0/2 nodes are available: 2 Insufficient nvidia.com/gpu.');
    const waiting = await readJob('waiter');
    expect(waiting.status).toMatchObject({ active: 1, ready: 0 });
    await waitFor(
      'waiter running after big-1 ends',
      async () => (await readJob('waiter')).status?.ready === 1,
      8_000,
    );
  });

  it('does not schedule onto nodes of another accelerator or without a toleration', async () => {
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'h100', accelerator: 'nvidia-h100' }),
    });
    const noTol = gpuJob({ name: 'no-tol' });
    delete noTol.spec?.template.spec?.tolerations;
    await batch.createNamespacedJob({ namespace: 'team-a', body: noTol });
    const message = async (job: string) => {
      const pods = await core.listNamespacedPod({
        namespace: 'team-a',
        labelSelector: `job-name=${job}`,
      });
      return pods.items[0]?.status?.conditions?.find((c) => c.reason === 'Unschedulable')?.message;
    };
    expect(await waitFor('h100 unschedulable', () => message('h100'))).toContain(
      "2 node(s) didn't match Pod's node affinity/selector",
    );
    expect(await waitFor('no-tol unschedulable', () => message('no-tol'))).toContain(
      'untolerated taint {nvidia.com/gpu: present}',
    );
  });

  it('deletes a job with its pods (Background) and frees its GPUs', async () => {
    for (const name of ['hog-1', 'hog-2']) {
      await batch.createNamespacedJob({
        namespace: 'team-a',
        body: gpuJob({ name, gpus: 4, seconds: 60 }),
      });
    }
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'next', gpus: 4 }),
    });
    await waitFor('hogs running', async () => (await readJob('hog-2')).status?.ready === 1);
    expect((await readJob('next')).status?.ready).toBe(0);
    const status = await batch.deleteNamespacedJob({
      namespace: 'team-a',
      name: 'hog-1',
      propagationPolicy: 'Background',
    });
    expect(status).toMatchObject({ status: 'Success' });
    expect((await apiError(readJob('hog-1'))).code).toBe(404);
    const pods = await core.listNamespacedPod({
      namespace: 'team-a',
      labelSelector: 'job-name=hog-1',
    });
    expect(pods.items).toEqual([]);
    await waitFor(
      'next runs on freed GPUs',
      async () => (await readJob('next')).status?.ready === 1,
    );
  });

  it('orphans pods when a job is deleted without a propagation policy, as a real server does', async () => {
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'orphaner', seconds: 30 }),
    });
    const err = await apiError(batch.deleteNamespacedJob({ namespace: 'team-a', name: 'nope' }));
    expect(err.code).toBe(404);
    await batch.deleteNamespacedJob({ namespace: 'team-a', name: 'orphaner' });
    const pods = await core.listNamespacedPod({
      namespace: 'team-a',
      labelSelector: 'job-name=orphaner',
    });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]?.metadata?.ownerReferences ?? []).toEqual([]);
  });

  it('deletes a finished job after ttlSecondsAfterFinished', async () => {
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'ttl', ttlSecondsAfterFinished: 0 }),
    });
    await waitFor('ttl deletion', async () => (await apiError(readJob('ttl'))).code === 404, 6_000);
    const pods = await core.listNamespacedPod({
      namespace: 'team-a',
      labelSelector: 'job-name=ttl',
    });
    expect(pods.items).toEqual([]);
  });
});

describe('errors', () => {
  it('answers 409 AlreadyExists with details for a duplicate job', async () => {
    await batch.createNamespacedJob({ namespace: 'team-a', body: gpuJob({ name: 'dup' }) });
    const err = await apiError(
      batch.createNamespacedJob({ namespace: 'team-a', body: gpuJob({ name: 'dup' }) }),
    );
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'jobs.batch "dup" already exists',
      details: { name: 'dup', group: 'batch', kind: 'jobs' },
    });
    expect(sim.stats().creates['team-a/dup']).toBe(1);
    expect(sim.stats().createAttempts).toBe(2);
  });

  it.each([
    ['Bad_Name', 'metadata.name'],
    ['x'.repeat(64), 'metadata.name'],
  ])('answers 422 Invalid for the name %s', async (name, field) => {
    const err = await apiError(
      batch.createNamespacedJob({ namespace: 'team-a', body: gpuJob({ name }) }),
    );
    expect(err.code).toBe(422);
    expect(err.body).toMatchObject({
      reason: 'Invalid',
      code: 422,
      details: { kind: 'Job', group: 'batch' },
    });
    const causes = (err.body.details as { causes: { field: string }[] }).causes;
    expect(causes.map((c) => c.field)).toContain(field);
  });

  it('answers 422 for a job without containers, images or restartPolicy', async () => {
    const job = gpuJob({ name: 'broken' });
    job.spec!.template.spec!.containers = [{ name: 'main' } as never];
    delete job.spec!.template.spec!.restartPolicy;
    const err = await apiError(batch.createNamespacedJob({ namespace: 'team-a', body: job }));
    expect(err.code).toBe(422);
    const fields = (err.body.details as { causes: { field: string }[] }).causes.map((c) => c.field);
    expect(fields).toEqual([
      'spec.template.spec.containers[0].image',
      'spec.template.spec.restartPolicy',
    ]);
  });

  it('answers 404 NotFound for a job in a missing namespace', async () => {
    const err = await apiError(
      batch.createNamespacedJob({
        namespace: 'nowhere',
        body: gpuJob({ name: 'lost', namespace: 'nowhere' }),
      }),
    );
    expect(err.code).toBe(404);
    expect(err.body).toMatchObject({
      reason: 'NotFound',
      message: 'namespaces "nowhere" not found',
      details: { name: 'nowhere', kind: 'namespaces' },
    });
  });
});

describe('label and field selectors', () => {
  beforeEach(async () => {
    await core.createNamespace({ body: { metadata: { name: 'team-b' } } });
    const jobs: [string, string, Record<string, string>][] = [
      ['a1', 'team-a', { tier: 'gold', app: 'x' }],
      ['a2', 'team-a', { tier: 'silver' }],
      ['b1', 'team-b', { tier: 'bronze', app: 'y' }],
    ];
    for (const [name, namespace, labels] of jobs) {
      await batch.createNamespacedJob({
        namespace,
        body: gpuJob({ name, namespace, labels, seconds: 30 }),
      });
    }
  });

  it.each([
    ['tier=gold', ['a1']],
    ['tier==gold', ['a1']],
    ['tier!=gold', ['a2', 'b1']],
    ['tier in (gold, bronze)', ['a1', 'b1']],
    ['tier notin (gold,bronze)', ['a2']],
    ['app', ['a1', 'b1']],
    ['!app', ['a2']],
    ['app,tier=bronze', ['b1']],
    ['tier=platinum', []],
  ])('listJobForAllNamespaces with %s', async (labelSelector, want) => {
    const list = await batch.listJobForAllNamespaces({ labelSelector });
    expect(list.items.map((j) => j.metadata?.name)).toEqual(want);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('filters namespaced lists and by metadata.name', async () => {
    const list = await batch.listNamespacedJob({ namespace: 'team-b' });
    expect(list.items.map((j) => j.metadata?.name)).toEqual(['b1']);
    const byName = await batch.listJobForAllNamespaces({ fieldSelector: 'metadata.name=a2' });
    expect(byName.items.map((j) => j.metadata?.name)).toEqual(['a2']);
    const pods = await core.listPodForAllNamespaces({ labelSelector: 'app=trainer' });
    expect(pods.items).toHaveLength(3);
  });

  it('rejects a field label the kind does not support with 400, as a real API server does', async () => {
    const err = await apiError(
      batch.listJobForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded' }),
    );
    expect([err.code, err.body.reason]).toEqual([400, 'BadRequest']);
    expect(String(err.body.message)).toContain('field label not supported: status.phase');
    // The pod selector the Kubernetes driver uses is one a real server supports.
    const all = await core.listPodForAllNamespaces();
    const unfinished = await core.listPodForAllNamespaces({
      fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
    });
    const want = all.items.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
    expect(all.items.length).toBeGreaterThan(0);
    expect(unfinished.items.map((p) => p.metadata?.name)).toEqual(
      want.map((p) => p.metadata?.name),
    );
  });

  it('rejects a malformed selector with 400', async () => {
    const err = await apiError(batch.listJobForAllNamespaces({ labelSelector: 'tier in (gold' }));
    expect(err.code).toBe(400);
    expect(err.body.reason).toBe('BadRequest');
  });
});
