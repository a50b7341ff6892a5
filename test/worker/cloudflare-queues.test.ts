// The Worker in workerd (wrangler dev) with SWITCHYARD_QUEUE=cloudflare and REAL local Cloudflare
// Queues bindings (miniflare's queues, not a fake): a test-only wrangler config in a temp dir points
// `main` at functions/worker/index.ts, binds the producer SY_QUEUE_AWS to queue `sy-test-aws`, and
// makes the same Worker that queue's consumer with max_retries = 1 and dead_letter_queue =
// switchyard-dead-letter, which the Worker also consumes. The Worker retries what does not come
// from the dead-letter queue, so here it stands in for drainers that keep failing: a submission is
// sent through the binding, delivered twice by the local queue, dead-lettered by it, and the
// Worker's `queue` handler then fails the job (one cluster: nowhere else to go) with the
// DeadLettered explanation. In production the work queues have HTTP pull consumers (drainers).
// The state store is DynamoDB Local (a memory store lives inside the isolate, where no first admin
// token can be minted from outside).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SCOPES } from '../../shared/domain/principal.js';
import { createTokenService } from '../../shared/auth/tokens.js';
import { systemClock } from '../../shared/base/clock.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import { apiClient, waitFor } from '../support/server-process.js';
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dynamodbEndpoint = inject('dynamodbEndpoint');

describe.skipIf(!dynamodbEndpoint)('the Worker with Cloudflare Queues bindings (workerd)', () => {
  const run = `cfq${Date.now().toString(36)}`;
  const table = `switchyard-${run}`;
  const dir = mkdtempSync(join(tmpdir(), 'sy-cfq-'));
  const store = createDynamoDbStore({
    tableName: table,
    endpoint: dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let worker: WranglerDev | undefined;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    await store.ensureTable();
    await store.tenants.create({
      id: 'admin',
      name: 'Admins',
      createdAt: new Date().toISOString(),
    });
    const tokens = createTokenService({
      store,
      clock: systemClock,
      issuer: 'switchyard',
      audience: 'switchyard-api',
    });
    const { token } = await tokens.issue({
      tenantId: 'admin',
      scopes: [...SCOPES],
      projects: ['*'],
      ttlSeconds: 3600,
      description: 'test',
    });
    const config = join(dir, 'wrangler.toml');
    writeFileSync(
      config,
      [
        `name = "switchyard-cfq-test"`,
        `main = ${JSON.stringify(join(ROOT, 'functions/worker/index.ts'))}`,
        `compatibility_date = "2026-04-20"`,
        `compatibility_flags = ["nodejs_compat"]`,
        ``,
        `[[queues.producers]]`,
        `queue = "sy-test-aws"`,
        `binding = "SY_QUEUE_AWS"`,
        ``,
        `[[queues.consumers]]`,
        `queue = "sy-test-aws"`,
        `max_batch_size = 10`,
        `max_batch_timeout = 1`,
        `max_retries = 1`,
        `dead_letter_queue = "switchyard-dead-letter"`,
        ``,
        `[[queues.consumers]]`,
        `queue = "switchyard-dead-letter"`,
        `max_batch_size = 10`,
        `max_batch_timeout = 1`,
        ``,
      ].join('\n'),
    );
    worker = await startWranglerDev(
      {
        SWITCHYARD_STORE: 'dynamodb',
        SWITCHYARD_QUEUE: 'cloudflare',
        DYNAMODB_TABLE: table,
        DYNAMODB_ENDPOINT: dynamodbEndpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
      ['--config', config, '--persist-to', join(dir, 'state')],
    );
    api = apiClient(worker.url, token);
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the cloudflare queue driver', async () => {
    const health = await (await fetch(`${worker!.url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', queue: 'cloudflare' });
  });

  it('sends a submission to the local queue; once dead-lettered, the queue handler fails the job with why', async () => {
    const put = await api('PUT', '/v1/clusters/aws-east', {
      cloud: 'aws',
      region: 'us-east-1',
      queue: 'aws',
      pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
    });
    expect(put.status).toBe(201);
    const submit = await api<{ id: string; state: string; clusterId: string }>('POST', '/v1/jobs', {
      name: 'cf-job',
      project: 'edge',
      image: 'busybox',
      resources: { accelerator: { type: 'nvidia-a100', count: 2 } },
    });
    expect(submit.status).toBe(202);
    expect(submit.body).toMatchObject({ state: 'dispatched', clusterId: 'aws-east' });

    const failed = await waitFor(
      async () => {
        const { body } = await api<{
          state: string;
          events: Array<{ state?: string; reason: string; message: string }>;
        }>('GET', `/v1/jobs/${submit.body.id}`);
        return body.state === 'failed' ? body : undefined;
      },
      30_000,
      'the dead-lettered job to fail',
    );
    const dead = failed.events.find((e) => e.reason === 'DeadLettered');
    expect(dead?.message).toMatch(/on queue aws exhausted its deliveries .* on aws-east/);
    expect(failed.events.at(-1)!.message).toMatch(/no other cluster can run it/);
    // The local queue delivered it to the work queue's consumer, then dead-lettered it itself.
    const out = worker!.output();
    expect(out).toMatch(/queue batch from a queue the Worker does not consume[^\n]*sy-test-aws/);
    expect(out).toMatch(
      /Moving message "\w+" on queue "sy-test-aws" to dead letter queue "switchyard-dead-letter" after 2 failed attempts/,
    );
  }, 45_000);
});
