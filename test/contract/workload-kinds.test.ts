/**
 * The Kubernetes driver with workload kinds, against the simulated Kubernetes API: discovery of
 * the kinds and Kueue the API serves, free GPUs per node, a kind the API does not serve refused
 * before any create and Kueue options ignored where Kueue is not installed (on a second cluster
 * with the JobSet operator only), a Kueue LocalQueue admitting a queued job, and — for each CRD kind
 * the simulated API serves — create/adopt, run to the end with the failing replica's exit code,
 * list, watch and delete. Cases that need a CRD the simulated API does not serve yet skip, saying
 * so; they run as soon as it does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../infra/sim-cluster/index.js';
import { SIM_VERSION } from '../../infra/sim-cluster/nodes.js';
import { newId } from '../../shared/base/clock.js';
import type { JobSpec, WorkloadKind } from '../../shared/domain/job.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { LABEL_JOB_ID, MANAGED_SELECTOR } from '../../shared/targets/kubernetes/labels.js';
import { buildManifest } from '../../shared/targets/kubernetes/manifest.js';
import type {
  ClusterDriver,
  KubeJobStatus,
  WorkloadManifest,
} from '../../shared/targets/kubernetes/port.js';
import { ClusterError } from '../../shared/targets/kubernetes/port.js';
import { WORKLOAD_RESOURCES } from '../../shared/targets/kubernetes/workload-kinds.js';

const NAMESPACE = 'sy-kinds';
const GPU = 'nvidia-h100';

let sim: SimCluster;
let driver: ClusterDriver;
/** A cluster with the JobSet operator only and no Kueue: what the driver does without them. */
let bare: SimCluster;
let bareDriver: ClusterDriver;
/** The group/versions the simulated API lists at `/apis`. */
let served: Set<string>;

beforeAll(async () => {
  sim = await startSimCluster({
    id: 'kinds',
    port: 0,
    pools: [{ accelerator: GPU, nodes: 2, gpusPerNode: 8 }],
    tickMs: 50,
    // Kueue's CRDs and admission too; the Kueue case makes its own ClusterQueue and LocalQueue.
    operators: ['jobset', 'kubeflow', 'ray', 'kueue'],
  });
  driver = createKubernetesCluster({
    clusterId: sim.id,
    kubeconfig: { server: sim.url },
    requestTimeoutMs: 5_000,
  });
  await driver.ensureNamespace(NAMESPACE, {});
  bare = await startSimCluster({
    id: 'kinds-bare',
    port: 0,
    pools: [{ accelerator: GPU, nodes: 1, gpusPerNode: 8 }],
    tickMs: 50,
    operators: ['jobset'],
  });
  bareDriver = createKubernetesCluster({
    clusterId: bare.id,
    kubeconfig: { server: bare.url },
    requestTimeoutMs: 5_000,
  });
  await bareDriver.ensureNamespace(NAMESPACE, {});
  const list = (await (await fetch(`${sim.url}/apis`)).json()) as {
    groups: { versions: { groupVersion: string }[] }[];
  };
  served = new Set(list.groups.flatMap((g) => g.versions.map((v) => v.groupVersion)));
});
afterAll(async () => {
  await driver?.close();
  await sim?.close();
  await bareDriver?.close();
  await bare?.close();
});

const servesKind = (kind: WorkloadKind) =>
  kind === 'job' ||
  served.has(`${WORKLOAD_RESOURCES[kind].group}/${WORKLOAD_RESOURCES[kind].version}`);
const servesKueue = () => [...served].some((gv) => gv.startsWith('kueue.x-k8s.io/'));

function manifest(kind: WorkloadKind, spec: Partial<JobSpec> = {}, id = newId()): WorkloadManifest {
  const env: Record<string, string> = { SIM_DURATION_SECONDS: '1', ...spec.env };
  return buildManifest({
    jobId: id,
    tenantId: 'kinds',
    submittedBy: 'kinds-test',
    spec: {
      name: `${kind} test`,
      project: 'kinds',
      image: 'busybox:1.36',
      ...(kind === 'rayjob' ? { options: { ray: { entrypoint: 'python run.py' } } } : {}),
      ...(kind === 'job' ? {} : { kind, nodes: 2 }),
      resources: { accelerator: { type: GPU, count: 1 }, cpu: '1' },
      priority: 0,
      labels: {},
      ...spec,
      env,
    },
    placement: {
      clusterId: sim.id,
      queue: 'kinds',
      namespace: NAMESPACE,
      kubeName: `sy-${id}`,
      attempt: 1,
    },
  });
}

async function waitFor(
  what: string,
  read: () => Promise<KubeJobStatus | undefined>,
  done: (s: KubeJobStatus | undefined) => boolean,
): Promise<KubeJobStatus | undefined> {
  const deadline = Date.now() + 10_000;
  let last: KubeJobStatus | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

describe('discovery and capacity', () => {
  it('reports the kinds and Kueue the API serves, and free GPUs per node', async () => {
    const report = await driver.capacity();
    expect(report.kinds).toEqual(
      (['job', 'jobset', 'pytorchjob', 'rayjob'] as const).filter(servesKind),
    );
    expect(report.kueue).toBe(servesKueue());
    expect(report.accelerators[GPU]).toMatchObject({ total: 16, free: 16, freePerNode: [8, 8] });
    expect(report.version).toBe(SIM_VERSION); // the nodes' kubelet version, for upgrade plans

    // A running 3-GPU Job leaves one node with 5 free: freePerNode shows which, largest first.
    const m = manifest('job', {
      env: { SIM_DURATION_SECONDS: '30' },
      resources: { accelerator: { type: GPU, count: 3 }, cpu: '1' },
    });
    await driver.createJob(m);
    await waitFor(
      'the 3-GPU job to run',
      () => driver.getJob(NAMESPACE, m.metadata.name),
      (s) => s?.phase === 'running',
    );
    const busy = await driver.capacity();
    expect(busy.accelerators[GPU]).toMatchObject({ free: 13, freePerNode: [8, 5] });
    expect(await driver.deleteJob(NAMESPACE, m.metadata.name, 'job')).toBe(true);
  });

  it('refuses a kind the API does not serve before creating anything', async () => {
    const m = manifest('pytorchjob');
    const error = await bareDriver.createJob(m).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).kind).toBe('invalid');
    expect((error as ClusterError).message).toContain(WORKLOAD_RESOURCES.pytorchjob.group);
    expect(
      (await bareDriver.listJobs(`${LABEL_JOB_ID}=${m.metadata.labels[LABEL_JOB_ID]}`)).items,
    ).toEqual([]);
  });

  it('a Kueue LocalQueue is used only where discovery finds Kueue', async () => {
    for (const [target, kueue] of [
      [sim, true],
      [bare, false],
    ] as const) {
      const queued = createKubernetesCluster({
        clusterId: target.id,
        kubeconfig: { server: target.url },
        kueue: { localQueue: 'team-a' },
      });
      try {
        const m = manifest('job');
        expect(await queued.createJob(m)).toBe('created');
        const raw = (await (
          await fetch(`${target.url}/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${m.metadata.name}`)
        ).json()) as { metadata: { labels: Record<string, string> }; spec: { suspend?: boolean } };
        expect(raw.metadata.labels['kueue.x-k8s.io/queue-name']).toBe(kueue ? 'team-a' : undefined);
        expect(raw.spec.suspend ?? false).toBe(kueue);
        await queued.deleteJob(NAMESPACE, m.metadata.name);
      } finally {
        await queued.close();
      }
    }
  });
});

/** A ResourceFlavor, a ClusterQueue with room for the test's jobs and LocalQueue `team-a`. */
async function kueueQueues(): Promise<void> {
  const base = `${sim.url}/apis/kueue.x-k8s.io/v1beta1`;
  const post = (path: string, body: object) =>
    fetch(`${base}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta1', ...body }),
    });
  await post('resourceflavors', { kind: 'ResourceFlavor', metadata: { name: 'default' } });
  const quota = (name: string, nominalQuota: string) => ({ name, nominalQuota });
  await post('clusterqueues', {
    kind: 'ClusterQueue',
    metadata: { name: 'switchyard-test' },
    spec: {
      namespaceSelector: {},
      resourceGroups: [
        {
          coveredResources: ['cpu', 'memory', 'nvidia.com/gpu'],
          flavors: [
            {
              name: 'default',
              resources: [
                quota('cpu', '64'),
                quota('memory', '512Gi'),
                quota('nvidia.com/gpu', '16'),
              ],
            },
          ],
        },
      ],
    },
  });
  await post(`namespaces/${NAMESPACE}/localqueues`, {
    kind: 'LocalQueue',
    metadata: { name: 'team-a', namespace: NAMESPACE },
    spec: { clusterQueue: 'switchyard-test' },
  });
}

describe('Kueue-managed', () => {
  it('a queued workload waits suspended (reason Suspended) until admitted, then runs to the end', async () => {
    expect(servesKueue()).toBe(true);
    await kueueQueues();
    const queued = createKubernetesCluster({
      clusterId: sim.id,
      kubeconfig: { server: sim.url },
      kueue: { localQueue: 'team-a' },
    });
    try {
      const m = manifest('job');
      await queued.createJob(m);
      const first = await queued.getJob(NAMESPACE, m.metadata.name);
      // Created suspended: either still waiting for Kueue, or already admitted by it.
      if (first?.phase === 'pending' && first.reason === 'Suspended') {
        expect(first.message).toBe('waiting for admission by Kueue (LocalQueue team-a)');
      }
      const done = await waitFor(
        'the admitted job to finish',
        () => queued.getJob(NAMESPACE, m.metadata.name),
        (s) => s?.phase === 'succeeded' || s?.phase === 'failed',
      );
      expect(done?.phase).toBe('succeeded');
      await queued.deleteJob(NAMESPACE, m.metadata.name, 'job');
    } finally {
      await queued.close();
    }
  });
});

describe.each(['jobset', 'pytorchjob', 'rayjob'] as const)('%s through the driver', (kind) => {
  it('creates, adopts its own on redelivery, lists, watches and runs it to success', async (ctx) => {
    if (!servesKind(kind)) return ctx.skip(`the simulated API does not serve ${kind} yet`);
    const m = manifest(kind);
    const { name } = m.metadata;
    const { resourceVersion } = await driver.listJobs(MANAGED_SELECTOR);
    const seen: KubeJobStatus[] = [];
    const watch = await driver.watchJobs(MANAGED_SELECTOR, resourceVersion, {
      onEvent: (_type, s) => {
        if (s.name === name) seen.push(s);
      },
      onEnd: () => undefined,
    });
    try {
      expect(await driver.createJob(m)).toBe('created');
      expect(await driver.createJob(m)).toBe('exists');
      const listed = await driver.listJobs(`${LABEL_JOB_ID}=${m.metadata.labels[LABEL_JOB_ID]}`);
      expect(listed.items.map((s) => [s.kind, s.name])).toEqual([[kind, name]]);
      const done = await waitFor(
        `${kind} to succeed`,
        () => driver.getJob(NAMESPACE, name, kind),
        (s) => s?.phase === 'succeeded' || s?.phase === 'failed',
      );
      expect(done?.phase).toBe('succeeded');
      await waitFor(
        'the watch to see the end',
        async () => seen.at(-1),
        (s) => s?.phase === 'succeeded',
      );
      expect(seen.every((s) => s.kind === kind)).toBe(true);
    } finally {
      watch.stop();
    }
    // A cancel does not know the kind: deleteJob finds it among the served kinds.
    expect(await driver.deleteJob(NAMESPACE, name)).toBe(true);
    await waitFor(
      `${kind} to be gone`,
      () => driver.getJob(NAMESPACE, name, kind),
      (s) => s === undefined,
    );
  });

  it('a failing replica fails it, with that replica’s exit code', async (ctx) => {
    if (!servesKind(kind)) return ctx.skip(`the simulated API does not serve ${kind} yet`);
    const m = manifest(kind, { env: { SIM_EXIT_CODE: '3' } });
    await driver.createJob(m);
    const done = await waitFor(
      `${kind} to fail`,
      () => driver.getJob(NAMESPACE, m.metadata.name, kind),
      (s) => s?.phase === 'succeeded' || s?.phase === 'failed',
    );
    expect(done?.phase).toBe('failed');
    expect(done?.result?.exitCode).toBe(3);
    expect(done?.message).toMatch(/^replica \S+ failed/);
    await driver.deleteJob(NAMESPACE, m.metadata.name, kind);
  });

  it('refuses to adopt a same-named object of another job', async (ctx) => {
    if (!servesKind(kind)) return ctx.skip(`the simulated API does not serve ${kind} yet`);
    const id = newId();
    const theirs = manifest(kind, {}, id);
    theirs.metadata.labels = { ...theirs.metadata.labels, [LABEL_JOB_ID]: 'someone-else' };
    await driver.createJob(theirs);
    const error = await driver.createJob(manifest(kind, {}, id)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ClusterError).kind).toBe('foreign-object');
    await driver.deleteJob(NAMESPACE, theirs.metadata.name, kind);
  });
});
