// The drainer function's POST /reconcile and its follow-up check after a create, against real
// parts: the control plane's API over loopback HTTP (through the HTTP control client), two
// simulated Kubernetes clusters driven through client-node, and create messages the dispatcher
// really published, pushed as Pub/Sub would. No pull drainer and no watch run here: whatever
// status (and output) the control plane learns, it learns from /push and /reconcile.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/base/log.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { createPushOidcVerifier } from '../../shared/drainer/oidc.js';
import { createPushApp, type PushAppOptions } from '../../shared/drainer/push.js';
import type { ReconcileResult } from '../../shared/drainer/reconcile.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { MANAGED_SELECTOR } from '../../shared/targets/kubernetes/labels.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import type { ClusterDriver } from '../../shared/targets/kubernetes/port.js';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';
import { startTestSim } from '../sim-cluster/helpers.js';
import { pushBody } from '../support/push-delivery.js';
import { HEARTBEAT_REFRESH_DIVISOR } from '../../shared/dispatch/heartbeat-write.js';

let f: Fixture;
let token: string;
let api: ServerType;
let one: SimCluster;
let two: SimCluster;
let clusters: Map<string, ClusterDriver>;
let base: Omit<PushAppOptions, 'authenticate' | 'budgetMs'>;
const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

beforeAll(async () => {
  f = await createFixture();
  // The drivers stamp capacity with the real time; a control plane in 2030 would call it stale.
  f.clock.set(Date.now());
  token = (await f.mint(ADMIN)).token;
  await createClusterService(f.ctx).register([
    {
      id: 'sim-two',
      cloud: 'aws',
      region: 'us-west-2',
      labels: {},
      queue: 'aws',
      pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 4 }],
    },
  ]);
  api = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => api.once('listening', () => r()));
  const baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  [one, two] = await Promise.all([
    startTestSim({ id: 'sim-one' }),
    startTestSim({ id: 'sim-two' }),
  ]);
  clusters = new Map(
    [one, two].map((s) => [
      s.id,
      createKubernetesCluster({ clusterId: s.id, kubeconfig: { server: s.url } }),
    ]),
  );
  base = {
    queueName: 'aws',
    clusters,
    control: createHttpControlPlane({ baseUrl, token }),
    clock: f.clock,
    log: silent,
  };
});

afterAll(async () => {
  await Promise.all([...(clusters?.values() ?? [])].map((c) => c.close()));
  await Promise.all([one?.close(), two?.close()]);
  await new Promise((r) => api?.close(r));
});

beforeEach(() => {
  one.setFaults({});
  two.setFaults({});
});

const appWith = (o: Partial<PushAppOptions> = {}) =>
  createPushApp({ ...base, budgetMs: 8_000, authenticate: 'none', ...o });

async function post(app: ReturnType<typeof createPushApp>, path: string, body: unknown = {}) {
  const res = await app.request(`http://127.0.0.1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Submits a job (running `seconds` on the simulated cluster) and returns its create message. */
async function submitted(seconds = 1) {
  const res = await f.call('POST', '/v1/jobs', {
    token,
    body: jobBody('research', { env: { SIM_DURATION_SECONDS: String(seconds) } }),
  });
  expect(res.status).toBe(202);
  const [delivery] = await f.ctx.queue.pull('aws', { max: 1, visibilityMs: 60_000 });
  await f.ctx.queue.ack('aws', delivery!.receipt);
  const message = delivery!.body as { jobId: string; placement: Record<string, string> };
  expect(message.jobId).toBe(res.body.id);
  return { id: res.body.id as string, message };
}

const stateOf = async (id: string) =>
  (await f.call('GET', `/v1/jobs/${id}`, { token })).body.state as string;

/** Waits (bounded) until the simulated cluster shows the Job in `phase`. */
async function clusterShows(message: { placement: Record<string, string> }, phase: string) {
  const { clusterId, namespace, kubeName } = message.placement;
  const deadline = Date.now() + 5_000;
  for (;;) {
    const job = await clusters.get(clusterId!)!.getJob(namespace!, kubeName!);
    if (job?.phase === phase) return;
    if (Date.now() > deadline) throw new Error(`Job ${kubeName} never reached ${phase}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const reconcile = async (app = appWith()) => {
  const res = await post(app, '/reconcile');
  return { status: res.status, body: res.body as unknown as ReconcileResult };
};

describe('POST /reconcile', () => {
  it('brings a job to running, then succeeded, by reconcile alone; repeats change nothing', async () => {
    const job = await submitted(1);
    expect((await post(appWith(), '/push', pushBody(job.message))).status).toBe(200);
    expect(await stateOf(job.id)).toBe('submitted');
    await clusterShows(job.message, 'running');
    expect(await stateOf(job.id)).toBe('submitted'); // nothing reports without a reconcile

    const first = await reconcile();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ complete: true, clustersHeartbeated: 2 });
    expect(first.body.jobsSeen).toBeGreaterThanOrEqual(1);
    expect(first.body.reported).toBe(first.body.jobsSeen);
    expect(await stateOf(job.id)).toBe('running');

    await clusterShows(job.message, 'succeeded');
    expect((await reconcile()).status).toBe(200);
    expect(await stateOf(job.id)).toBe('succeeded');
    const events = async () => (await f.call('GET', `/v1/jobs/${job.id}`, { token })).body.events;
    const before = await events();
    expect((await reconcile()).status).toBe(200);
    expect(await events()).toEqual(before);
  });

  it('sends a capacity heartbeat per cluster', async () => {
    const started = Date.now();
    const { body } = await reconcile();
    expect(body.clustersHeartbeated).toBe(2);
    for (const id of ['sim-one', 'sim-two']) {
      const cluster = await f.ctx.store.clusters.get(id);
      // An unchanged report is stored at most every quarter heartbeat timeout (heartbeat-write.ts),
      // so the stored time may be that much older than this reconcile, never more.
      const refresh = f.ctx.settings.heartbeatTimeoutMs / HEARTBEAT_REFRESH_DIVISOR;
      expect(Date.parse(cluster!.capacity!.reportedAt)).toBeGreaterThanOrEqual(
        started - refresh - 1_000,
      );
      expect(cluster!.capacity!.accelerators['nvidia-a100']?.total).toBe(8);
    }
  });

  it('pages through a list larger than one page', async () => {
    for (let i = 0; i < 3; i++) {
      const job = await submitted(30);
      expect((await post(appWith(), '/push', pushBody(job.message))).status).toBe(200);
    }
    // At least 4 Jobs over 2 clusters: with 1 per page, one cluster needs 2 pages or more.
    const { body } = await reconcile(appWith({ reconcilePageSize: 1 }));
    for (const [id, driver] of clusters) {
      const listed = (await driver.listJobs(MANAGED_SELECTOR)).items.length;
      const seen = body.clusters.find((c) => c.clusterId === id)!;
      expect(seen).toMatchObject({ complete: true, jobsSeen: listed, reported: listed });
      expect(seen.pages).toBe(Math.max(1, listed));
    }
    expect(Math.max(...body.clusters.map((c) => c.pages))).toBeGreaterThanOrEqual(2);
  });

  it('names an unreachable cluster in its answer and still reconciles the others', async () => {
    const job = await submitted(30);
    expect((await post(appWith(), '/push', pushBody(job.message))).status).toBe(200);
    await clusterShows(job.message, 'running');
    const [upId, downSim] =
      job.message.placement.clusterId === 'sim-one' ? ['sim-one', two] : ['sim-two', one];
    downSim.setFaults({ down: true });
    const started = Date.now();
    const { status, body } = await reconcile();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(status).toBe(200);
    expect(body.complete).toBe(false);
    expect(body.clustersHeartbeated).toBe(1);
    const down = body.clusters.find((c) => c.clusterId === downSim.id)!;
    expect(down).toMatchObject({ complete: false, heartbeat: false, jobsSeen: 0 });
    expect(down.error).toMatch(/listing Jobs/);
    const up = body.clusters.find((c) => c.clusterId === upId)!;
    expect(up).toMatchObject({ complete: true, heartbeat: true });
    expect(await stateOf(job.id)).toBe('running');
  });

  it('reports a job whose Kubernetes Job was deleted behind its back: failed, KubernetesJobDeleted', async () => {
    const job = await submitted(30);
    expect((await post(appWith(), '/push', pushBody(job.message))).status).toBe(200);
    expect(await stateOf(job.id)).toBe('submitted');
    const { clusterId, namespace, kubeName } = job.message.placement;
    const sim = clusterId === 'sim-one' ? one : two;
    const gone = await fetch(`${sim.url}/apis/batch/v1/namespaces/${namespace}/jobs/${kubeName}`, {
      method: 'DELETE',
    });
    expect(gone.status).toBe(200);
    const { body } = await reconcile();
    expect(body).toMatchObject({ complete: true, vanished: 1 });
    expect(body.clusters.find((c) => c.clusterId === clusterId)!.vanished).toBe(1);
    const view = (await f.call('GET', `/v1/jobs/${job.id}`, { token })).body;
    expect(view.state).toBe('failed');
    expect((view.events as Array<{ reason: string }>).at(-1)).toMatchObject({
      reason: 'KubernetesJobDeleted',
    });
    // Failed is not expected any more: the next reconcile reports nothing again.
    expect((await reconcile()).body.vanished).toBe(0);
  });

  it('is authenticated exactly like /push: 401 without a Google OIDC token', async () => {
    const app = appWith({
      authenticate: createPushOidcVerifier({
        audience: 'https://drainer.example.com',
        serviceAccount: 'push@example.iam.gserviceaccount.com',
        jwksUrl: 'http://127.0.0.1:9/unreachable-jwks',
      }),
    });
    const before = one.stats().requests;
    for (const path of ['/reconcile', '/push']) {
      const res = await post(app, path, {});
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(one.stats().requests).toBe(before);
  });
});

describe('the follow-up check after a create', () => {
  it('reports running within the same push when the Job already runs', async () => {
    const job = await submitted(30);
    const res = await post(appWith({ followUpMs: 800 }), '/push', pushBody(job.message));
    expect(res).toEqual({
      status: 200,
      body: { outcome: 'done', kind: 'create', followedUp: true },
    });
    expect(await stateOf(job.id)).toBe('running');
  });

  it('is skipped when the budget leaves no room for it', async () => {
    const job = await submitted(30);
    const app = appWith({ followUpMs: 800, budgetMs: 1_500 });
    const res = await post(app, '/push', pushBody(job.message));
    expect(res).toEqual({ status: 200, body: { outcome: 'done', kind: 'create' } });
    expect(await stateOf(job.id)).toBe('submitted');
  });
});

describe('logs shipped by the function', () => {
  it('ships each pod line once across invocations, the last lines before the end', async () => {
    const res = await f.call('POST', '/v1/jobs', {
      token,
      body: jobBody('research', { env: { SIM_DURATION_SECONDS: '2', SIM_LOG: 'hello\nworld' } }),
    });
    const id = res.body.id as string;
    const [delivery] = await f.ctx.queue.pull('aws', { max: 1, visibilityMs: 60_000 });
    await f.ctx.queue.ack('aws', delivery!.receipt);
    const message = delivery!.body as { jobId: string; placement: Record<string, string> };
    expect(message.jobId).toBe(id);
    const sent: string[] = [];
    const control = base.control;
    const counting = {
      ...control,
      shipLogs: (chunk: Parameters<NonNullable<typeof control.shipLogs>>[0]) => {
        if (chunk.jobId === message.jobId) sent.push(...chunk.lines);
        return control.shipLogs!(chunk);
      },
    };
    const logs = async () => (await f.call('GET', `/v1/jobs/${id}/logs`, { token })).text;
    // The follow-up after the create ships what the pod printed at start.
    const push = await post(
      appWith({ followUpMs: 500, control: counting }),
      '/push',
      pushBody(message),
    );
    expect(push.body).toMatchObject({ followedUp: true });
    expect(await logs()).toMatch(/hello\nworld\n(step 1\/2\n)?$/);
    // A reconcile while it runs (a new, memoryless app each time) ships only what is new.
    await clusterShows(message, 'running');
    await reconcile(appWith({ control: counting }));
    await clusterShows(message, 'succeeded');
    const last = await reconcile(appWith({ control: counting }));
    expect(last.body.logLines).toBeGreaterThanOrEqual(1);
    expect(await stateOf(id)).toBe('succeeded');
    expect(await logs()).toMatch(
      /no real container runs here\.\nhello\nworld\nstep 1\/2\nstep 2\/2\nexited with code 0 \(Completed\)\n$/,
    );
    // Every line went over the wire once; an ended job's output is not read again.
    expect(sent).toHaveLength(6);
    expect(new Set(sent).size).toBe(6);
    expect((await reconcile(appWith({ control: counting }))).status).toBe(200);
    expect(sent).toHaveLength(6);
  });
});
