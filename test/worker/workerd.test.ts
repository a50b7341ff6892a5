// The control plane in the real Workers runtime (workerd via wrangler dev) over DynamoDB Local and
// the Pub/Sub emulator: submit through the Worker, see the message on the cloud's topic, and a Node
// drainer (Pub/Sub gRPC client, client-node, HTTP reports back to the Worker) run it in a simulated
// cluster. Then the cron trigger fires a due schedule exactly once, even when invoked twice at once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../infra/sim-cluster/index.js';
import { SCOPES } from '../../shared/domain/principal.js';
import { createTokenService } from '../../shared/auth/tokens.js';
import { systemClock } from '../../shared/base/clock.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { createDrainer, type Drainer } from '../../shared/drainer/drainer.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { silentLogger } from '../../shared/base/log.js';
import { createPubSubQueue } from '../../shared/queue/pubsub.node.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import { DASHBOARD_CSP } from '../../shared/dashboard/routes.js';
import { DASHBOARD_JS } from '../../shared/dashboard/generated/script.js';
import { apiClient, waitFor } from '../support/server-process.js';
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev.js';

const dynamodbEndpoint = inject('dynamodbEndpoint');
const pubsubHost = inject('pubsubHost');

describe.skipIf(!dynamodbEndpoint || !pubsubHost)('the Worker in workerd', () => {
  const run = `w${Date.now().toString(36)}`;
  const table = `switchyard-${run}`;
  const prefix = `sy-${run}`;
  const store = createDynamoDbStore({
    tableName: table,
    endpoint: dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let worker: WranglerDev;
  let sim: SimCluster;
  let drainer: Drainer;
  let api: ReturnType<typeof apiClient>;
  const queue = createPubSubQueue({
    projectId: 'switchyard-test',
    prefix,
    autoCreate: true,
    apiEndpoint: pubsubHost,
  });

  beforeAll(async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    await store.ensureTable();
    const tokens = createTokenService({
      store,
      clock: systemClock,
      issuer: 'switchyard',
      audience: 'switchyard-api',
    });
    await store.tenants.create({
      id: 'admin',
      name: 'Administrators',
      createdAt: new Date().toISOString(),
    });
    const { token } = await tokens.issue({
      tenantId: 'admin',
      scopes: [...SCOPES],
      projects: ['*'],
      ttlSeconds: 3600,
      description: 'test',
    });
    worker = await startWranglerDev({
      DYNAMODB_TABLE: table,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      PUBSUB_PROJECT: 'switchyard-test',
      PUBSUB_PREFIX: prefix,
      PUBSUB_BASE_URL: `http://${pubsubHost}`,
      AUTO_CREATE: 'true',
    });
    api = apiClient(worker.url, token);
    sim = await startSimCluster({
      id: 'aws-east',
      pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
      tickMs: 50,
    });
    drainer = createDrainer({
      queueName: 'aws',
      queue,
      clusters: new Map([
        [
          'aws-east',
          createKubernetesCluster({ clusterId: 'aws-east', kubeconfig: { server: sim.url } }),
        ],
      ]),
      control: createHttpControlPlane({ baseUrl: worker.url, token }),
      clock: systemClock,
      log: silentLogger,
      heartbeatMs: 1_000,
    });
  }, 120_000);

  afterAll(async () => {
    await drainer?.stop();
    await worker?.stop();
    await sim?.close();
    await queue.close();
    await store.close();
  });

  it('answers with the JSON envelope and knows its drivers', async () => {
    const health = await (await fetch(`${worker.url}/healthz`)).json();
    expect(health).toEqual({ status: 'ok', store: 'dynamodb', queue: 'pubsub-rest' });
    const anon = await fetch(`${worker.url}/v1/jobs`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });

  it('serves the dashboard script bundled from shared/dashboard/browser, under the same CSP', async () => {
    const res = await fetch(`${worker.url}/dashboard.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(await res.text()).toBe(DASHBOARD_JS);
  });

  it('publishes a submission to the cloud topic, and a Node drainer runs it to Succeeded', async () => {
    const put = await api('PUT', '/v1/clusters/aws-east', {
      cloud: 'aws',
      region: 'us-east-1',
      pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
    });
    expect(put.status).toBe(201);
    const submit = await api<{ id: string; state: string; clusterId: string }>('POST', '/v1/jobs', {
      name: 'edge-job',
      project: 'edge',
      image: 'busybox',
      env: { SIM_DURATION_SECONDS: '1' },
      resources: { accelerator: { type: 'nvidia-a100', count: 2 } },
    });
    expect(submit.status).toBe(202);
    expect(submit.body).toMatchObject({ state: 'dispatched', clusterId: 'aws-east' });

    // The message is on the aws topic (read by the drainer's subscription, which autoCreate made).
    const [message] = await waitFor(
      async () => {
        const got = await queue.pull('aws', { max: 1, visibilityMs: 1_000 });
        return got.length ? got : undefined;
      },
      20_000,
      'the dispatch message on the aws topic',
    );
    expect(message!.body).toMatchObject({ kind: 'create', jobId: submit.body.id });
    await queue.nack('aws', message!.receipt, 0);

    drainer.start();
    const done = await waitFor(
      async () => {
        const { body } = await api<{ state: string; events: Array<{ state?: string }> }>(
          'GET',
          `/v1/jobs/${submit.body.id}`,
        );
        return body.state === 'succeeded' ? body : undefined;
      },
      45_000,
      'the job to succeed',
    );
    expect(done.events.map((e) => e.state).filter(Boolean)).toEqual([
      'received',
      'dispatched',
      'submitted',
      'running',
      'succeeded',
    ]);
    expect(sim.stats().creates[`sy-admin/sy-${submit.body.id}`]).toBe(1);

    const cluster = await api<{ lastHeartbeat: string | null }>('GET', '/v1/clusters/aws-east');
    expect(cluster.body.lastHeartbeat).not.toBeNull();
  });

  it('fires a due schedule exactly once when the cron trigger runs twice at once', async () => {
    const created = await api<{ id: string }>('POST', '/v1/schedules', {
      name: 'nightly',
      cron: '* * * * *',
      template: {
        name: 'nightly',
        project: 'edge',
        image: 'busybox',
        env: { SIM_DURATION_SECONDS: '1' },
        resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      },
    });
    expect(created.status).toBe(201);
    // Make its slot due now (as if the trigger had been late), through the same table.
    const stored = (await store.schedules.get(created.body.id))!;
    const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    await store.schedules.update({ ...stored, nextFireAt: slot });

    const trigger = () =>
      fetch(`${worker.url}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
    await Promise.all([trigger(), trigger()]);
    const jobs = await waitFor(
      async () => {
        const { body } = await api<{
          items: Array<{ id: string; name: string; idempotencyKey?: string }>;
        }>('GET', '/v1/jobs?project=edge&limit=50');
        const fired = body.items.filter((j) => j.name === 'nightly');
        return fired.length ? fired : undefined;
      },
      20_000,
      'the scheduled job',
    );
    await trigger();
    await new Promise((r) => setTimeout(r, 1_000));
    const again = await api<{ items: Array<{ name: string; idempotencyKey?: string }> }>(
      'GET',
      '/v1/jobs?project=edge&limit=50',
    );
    const fired = again.body.items.filter((j) => j.name === 'nightly');
    expect(fired).toHaveLength(1);
    expect(jobs[0]!.idempotencyKey).toBe(`schedule:${created.body.id}:${slot}`);
  });
});
