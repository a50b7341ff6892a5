// The drainer function behind the Pub/Sub emulator's push delivery (base64 data, no
// deliveryAttempt): a push subscription pointed at the function's Node listener on loopback (the
// emulator sends no OIDC token, so auth is off, which only a loopback listener allows). The create messages
// the dispatcher published are published to the emulator topic as the Pub/Sub queue driver does
// (data = the JSON body); the emulator pushes them; the function creates the Jobs on a simulated
// cluster and reports to the control plane over loopback HTTP. No pull drainer runs.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../shared/base/log.js';
import { createPushApp } from '../../shared/drainer/push.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';
import { startTestSim, waitFor } from '../sim-cluster/helpers.js';

const host = inject('pubsubHost');
const project = 'switchyard-push-test';
const topic = `push-${process.pid}-${Date.now().toString(36)}`;

async function emulator(method: string, path: string, body: unknown) {
  const res = await fetch(`http://${host}/v1/projects/${project}/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
}

describe.skipIf(!host)('the drainer function behind the Pub/Sub emulator push', () => {
  let f: Fixture;
  let token: string;
  let api: ServerType;
  let fn: ServerType;
  let sim: SimCluster;

  const listen = async (server: ServerType) => {
    await new Promise<void>((r) => server.once('listening', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    f = await createFixture();
    token = (await f.mint(ADMIN)).token;
    api = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
    const baseUrl = await listen(api);
    sim = await startTestSim({ id: 'sim-one', defaultDurationSeconds: 30 });
    const app = createPushApp({
      queueName: 'aws',
      clusters: new Map([
        [
          'sim-one',
          createKubernetesCluster({ clusterId: 'sim-one', kubeconfig: { server: sim.url } }),
        ],
      ]),
      control: createHttpControlPlane({ baseUrl, token }),
      clock: f.clock,
      log: silentLogger,
      budgetMs: 5_000,
      authenticate: 'none',
    });
    fn = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    const fnUrl = await listen(fn);
    await emulator('PUT', `topics/${topic}`, {});
    await emulator('PUT', `subscriptions/${topic}-push`, {
      topic: `projects/${project}/topics/${topic}`,
      pushConfig: { pushEndpoint: `${fnUrl}/push` },
      ackDeadlineSeconds: 10,
      retryPolicy: { minimumBackoff: '1s', maximumBackoff: '2s' },
    });
  });

  afterAll(async () => {
    if (host) await emulator('DELETE', `subscriptions/${topic}-push`, undefined).catch(() => {});
    await sim?.close();
    await new Promise((r) => fn?.close(r));
    await new Promise((r) => api?.close(r));
  });

  /** Submits a job and publishes its create message to the emulator topic. */
  async function submitAndPublish() {
    const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research') });
    expect(res.status).toBe(202);
    const [delivery] = await f.ctx.queue.pull('aws', { max: 1, visibilityMs: 60_000 });
    await f.ctx.queue.ack('aws', delivery!.receipt);
    const msg = delivery!.body as { jobId: string; placement: Record<string, string> };
    await emulator('POST', `topics/${topic}:publish`, {
      messages: [
        {
          data: Buffer.from(JSON.stringify(msg)).toString('base64'),
          attributes: { jobId: msg.jobId },
        },
      ],
    });
    return { id: msg.jobId, kube: `${msg.placement.namespace}/${msg.placement.kubeName}` };
  }

  const state = async (id: string) => (await f.call('GET', `/v1/jobs/${id}`, { token })).body.state;

  it('a pushed create message makes one Kubernetes Job and the job submitted', async () => {
    const job = await submitAndPublish();
    await waitFor(
      'the job to be submitted',
      async () => (await state(job.id)) === 'submitted',
      15_000,
    );
    expect(sim.stats().creates[job.kube]).toBe(1);
  });

  it('a cluster that answers 503 twice then 201 gets exactly one Job (Pub/Sub retries the 503s)', async () => {
    sim.setFaults({ failCreates: { status: 503, count: 2 } });
    const attemptsBefore = sim.stats().createAttempts;
    const job = await submitAndPublish();
    await waitFor(
      'the job to be submitted',
      async () => (await state(job.id)) === 'submitted',
      15_000,
    );
    expect(sim.stats().creates[job.kube]).toBe(1);
    expect(sim.stats().createAttempts - attemptsBefore).toBe(3);
  });
});
