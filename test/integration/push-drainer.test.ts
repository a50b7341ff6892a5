// The drainer function's POST /push against real parts: the control plane's API served over
// loopback HTTP (reached through the HTTP control client, as a deployed function reaches it), a
// simulated Kubernetes cluster driven through client-node, and queue messages the dispatcher
// really published, wrapped as Pub/Sub pushes. Acks (2xx) versus retries (503) are what Pub/Sub
// acts on, so every case checks the status code and what the cluster and the control plane saw.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/base/log.js';
import { createPushApp } from '../../shared/drainer/push.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';
import { startTestSim } from '../sim-cluster/helpers.js';
import { pushBody, pushOfData } from '../support/push-delivery.js';

let f: Fixture;
let token: string;
let api: ServerType;
let sim: SimCluster;
let app: ReturnType<typeof createPushApp>;
const logged: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
const log: Logger = {
  info: (msg, fields) => void logged.push({ level: 'info', msg, ...(fields ? { fields } : {}) }),
  warn: (msg, fields) => void logged.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
  error: (msg, fields) => void logged.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
};

beforeAll(async () => {
  f = await createFixture();
  token = (await f.mint(ADMIN)).token;
  api = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => api.once('listening', () => r()));
  const baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  sim = await startTestSim({ id: 'sim-one', defaultDurationSeconds: 30 });
  const cluster = createKubernetesCluster({
    clusterId: 'sim-one',
    kubeconfig: { server: sim.url },
  });
  app = createPushApp({
    queueName: 'aws',
    clusters: new Map([['sim-one', cluster]]),
    control: createHttpControlPlane({ baseUrl, token }),
    clock: f.clock,
    log,
    budgetMs: 1_500,
    authenticate: 'none',
  });
});

afterAll(async () => {
  await sim?.close();
  await new Promise((r) => api?.close(r));
});

beforeEach(() => {
  sim.setFaults({});
  logged.length = 0;
});

/** Submits a job and returns it with the create message the dispatcher published for it. */
async function submitted() {
  const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research') });
  expect(res.status).toBe(202);
  const [delivery] = await f.ctx.queue.pull('aws', { max: 1, visibilityMs: 60_000 });
  expect(delivery).toBeDefined();
  await f.ctx.queue.ack('aws', delivery!.receipt);
  const message = delivery!.body as { jobId: string; placement: Record<string, string> };
  expect(message.jobId).toBe(res.body.id);
  return {
    id: res.body.id as string,
    message,
    kube: `${message.placement.namespace}/${message.placement.kubeName}`,
  };
}

async function push(body: unknown) {
  const res = await app.request('http://127.0.0.1/push', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const jobView = async (id: string) => (await f.call('GET', `/v1/jobs/${id}`, { token })).body;

describe('POST /push: create messages', () => {
  it('creates exactly one Kubernetes Job, and a redelivery adopts it', async () => {
    const job = await submitted();
    expect(await push(pushBody(job.message, 'm-1'))).toEqual({
      status: 200,
      body: { outcome: 'done', kind: 'create' },
    });
    expect(sim.stats().creates[job.kube]).toBe(1);
    expect((await jobView(job.id)).state).toBe('submitted');

    // Pub/Sub redelivers the same message (a lost ack): the deterministic name makes it adopt.
    expect((await push(pushBody(job.message, 'm-1'))).status).toBe(200);
    expect(sim.stats().creates[job.kube]).toBe(1);
    expect(logged.some((l) => l.msg === 'Kubernetes Job already existed; adopted')).toBe(true);
  });

  it('answers 503 on a retryable cluster failure, and the retry creates the Job once', async () => {
    const job = await submitted();
    sim.setFaults({ failCreates: { status: 503, count: 1 } });
    const first = await push(pushBody(job.message));
    expect(first.status).toBe(503);
    expect(first.body.error).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(sim.stats().creates[job.kube]).toBeUndefined();
    expect((await jobView(job.id)).state).toBe('dispatched');

    const retry = await push(pushBody(job.message));
    expect(retry.status).toBe(200);
    expect(sim.stats().creates[job.kube]).toBe(1);
    expect((await jobView(job.id)).state).toBe('submitted');
  });

  it('reports create-failed on a final failure and acks, so the control plane re-places', async () => {
    const job = await submitted();
    sim.setFaults({ failCreates: { status: 422, count: 1 } });
    expect(await push(pushBody(job.message))).toEqual({
      status: 200,
      body: { outcome: 'done', kind: 'create' },
    });
    expect(sim.stats().creates[job.kube]).toBeUndefined();
    const view = await jobView(job.id);
    const events = view.events as Array<{ reason: string; message: string }>;
    const failed = events.find((e) => e.reason === 'CreateInvalid');
    expect(failed?.message).toMatch(/could not create the Kubernetes Job on sim-one/);
    expect(view.state).not.toBe('submitted');
  });

  it('answers 503 when its time budget runs out, and the redelivery adopts', async () => {
    const job = await submitted();
    // One request now outlasts the budget: the driver knows the namespace from the tests above,
    // so a create is a single request (two at 1 s each used to run over it).
    sim.setFaults({ latencyMs: 2_000 });
    const started = Date.now();
    const slow = await push(pushBody(job.message));
    expect(slow.status).toBe(503);
    expect(String((slow.body.error as { message: string }).message)).toMatch(/within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
    sim.setFaults({});
    // The abandoned first attempt may still finish its create; either way one Job exists after.
    expect((await push(pushBody(job.message))).status).toBe(200);
    expect(sim.stats().creates[job.kube]).toBe(1);
  });
});

describe('POST /push: cancel and bad input', () => {
  it('deletes the Job on a cancel message and reports it', async () => {
    const job = await submitted();
    expect((await push(pushBody(job.message))).status).toBe(200);
    const cancel = {
      kind: 'cancel',
      jobId: job.id,
      clusterId: 'sim-one',
      namespace: job.message.placement.namespace,
      kubeName: job.message.placement.kubeName,
      attempt: 1,
    };
    expect(await push(pushBody(cancel))).toEqual({
      status: 200,
      body: { outcome: 'done', kind: 'cancel' },
    });
    const listed = await fetch(
      `${sim.url}/apis/batch/v1/namespaces/${cancel.namespace}/jobs/${cancel.kubeName}`,
    );
    expect(listed.status).toBe(404);
  });

  it.each([
    { name: 'not base64 JSON', data: '%%%not-base64', want: /not base64-encoded UTF-8 JSON/ },
    { name: 'no data', data: undefined, want: /no data/ },
    { name: 'not a drainer message', data: btoa('{"kind":"explode"}'), want: /kind/ },
  ])('acks a poison message ($name) with a logged error', async ({ data, want }) => {
    const res = await push(pushOfData(data));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: 'dropped' });
    expect(String(res.body.reason)).toMatch(want);
    const error = logged.find((l) => l.level === 'error');
    expect(error?.msg).toMatch(/malformed push message/);
  });

  it.each([
    { name: 'a body that is not JSON', body: 'nope{', want: /not JSON/ },
    { name: 'a JSON body that is not a push', body: { hello: 1 }, want: /not a Pub\/Sub push/ },
  ])('refuses $name with 400 and the error envelope', async ({ body, want }) => {
    const res = await push(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String((res.body.error as { message: string }).message)).toMatch(want);
  });
});

describe('POST /push: the time budget and dead letters', () => {
  it('aborts the cluster request in flight when the budget runs out: nothing is created late', async () => {
    // A first job makes the driver know the namespace: the create is then one request.
    expect((await push(pushBody((await submitted()).message))).status).toBe(200);
    const job = await submitted();
    sim.setFaults({ latencyMs: 2_000 });
    const before = sim.stats().createAttempts;
    expect((await push(pushBody(job.message))).status).toBe(503);
    // Past the sim's latency: a request left running would have created the Job by now.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sim.stats().createAttempts).toBe(before);
    expect(sim.stats().creates[job.kube]).toBeUndefined();
  });

  it('reports a dead-lettered create as create-failed (DeadLettered), so the job is re-placed', async () => {
    const job = await submitted();
    const dead = pushBody(job.message, 'dl-1', {
      CloudPubSubDeadLetterSourceDeliveryCount: '5',
      CloudPubSubDeadLetterSourceSubscription: 'switchyard-aws-push',
    });
    expect(await push(dead)).toEqual({
      status: 200,
      body: { outcome: 'dead-letter', action: 'reported' },
    });
    expect(sim.stats().creates[job.kube]).toBeUndefined();
    const view = await jobView(job.id);
    const events = view.events as Array<{ reason: string; message: string }>;
    const failed = events.find((e) => e.reason === 'DeadLettered');
    expect(failed?.message).toMatch(/Pub\/Sub \(after 5 pushes\) dead-lettered it/);
    expect(view.state).not.toBe('submitted');
    // A dead-lettered cancel re-places nothing and is acked.
    const cancel = pushBody(
      {
        kind: 'cancel',
        jobId: job.id,
        clusterId: 'sim-one',
        namespace: 'x',
        kubeName: 'y',
        attempt: 1,
      },
      'dl-2',
      { CloudPubSubDeadLetterSourceDeliveryCount: '5' },
    );
    expect((await push(cancel)).body).toEqual({ outcome: 'dead-letter', action: 'ignored' });
  });
});
