// Job logs through the cloud pair (issue #17): the state store on DynamoDB Local and the queue on
// the Pub/Sub emulator (both from the global setup), the API over loopback HTTP, a simulated
// cluster and a pull drainer that takes the create from Pub/Sub and ships the pod's output over
// the drainer protocol's HTTP route into DynamoDB. `GET /v1/jobs/:id/logs` serves it, truncated at
// a small cap with its note and header. Skipped when the global setup found no emulator.
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPubSubQueue } from '../../shared/queue/pubsub.node.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import { jobBody } from '../security/fixture.js';
import { startDrainedApp } from '../support/drained-app.js';
import { waitFor } from '../support/server-process.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.METADATA_SERVER_DETECTION = 'none';

const endpoint = inject('dynamodbEndpoint');
const host = inject('pubsubHost');
const local = {
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};
const CAP = 600;
const tableName = `switchyard-logs-${crypto.randomUUID().slice(0, 8)}`;

describe.skipIf(!endpoint || !host)('job logs on DynamoDB + Pub/Sub', () => {
  let stack: Awaited<ReturnType<typeof startDrainedApp>>;

  beforeAll(async () => {
    const store = createDynamoDbStore({ tableName, ...local });
    await store.ensureTable();
    const prefix = `sy${Math.random().toString(36).slice(2, 10)}`;
    const queue = createPubSubQueue({
      projectId: 'switchyard-test',
      prefix,
      autoCreate: true,
      apiEndpoint: host,
    });
    stack = await startDrainedApp({ store, queue, settings: { logCapBytes: CAP } });
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    await stack?.f.ctx.queue.close();
    const client = new DynamoDBClient(local);
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  });

  it('serves what the drainer shipped, dropping the oldest past the cap with a note', async () => {
    const { f, token, url } = stack;
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i} ${'z'.repeat(60)}`);
    const env = { SIM_LOG: lines.join('\n'), SIM_DURATION_SECONDS: '2' };
    const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research', { env }) });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const get = () =>
      fetch(`${url}/v1/jobs/${id}/logs`, { headers: { authorization: `Bearer ${token}` } });
    // Its first lines are in DynamoDB while it runs: later ones come in later chunks.
    const early = await waitFor(
      async () => {
        const text = await (await get()).text();
        return text.includes(lines[9]!) ? text : undefined;
      },
      15_000,
      'the SIM_LOG lines in the served log',
    );
    expect(early).toContain(`${lines[0]}\n`);
    expect((await f.store.jobs.get(id))?.state).toBe('running');
    await waitFor(
      async () => ((await f.store.jobs.get(id))?.state === 'succeeded' ? true : undefined),
      15_000,
      'the job to succeed',
    );
    const done = await get();
    expect(done.status).toBe(200);
    expect(done.headers.get('switchyard-log-truncated')).toBe('true');
    const text = await done.text();
    expect(text).toMatch(
      new RegExp(`^\\[switchyard\\] earlier output was dropped: a job keeps its last ${CAP} bytes`),
    );
    expect(text).not.toContain(lines[0]);
    expect(text).toMatch(/step 2\/2\nexited with code 0 \(Completed\)\n$/);
  }, 40_000);
});
