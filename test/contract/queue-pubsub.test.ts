/**
 * The Queue contract against Google's Pub/Sub emulator, for both drivers (gRPC for Node, REST for
 * the Workers edge), then Pub/Sub-specific behaviour through the real emulator: dead letters,
 * redelivery after the ack deadline, deadline extension, the two drivers sharing one queue, missing
 * resources, and service-account auth (against a fake token endpoint). Skipped when the global
 * setup found no emulator. Every test uses fresh topic names (a random prefix).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Queue, QueueMessage } from '../../shared/queue/port.js';
import { createPubSubQueue } from '../../shared/queue/pubsub.node.js';
import { createPubSubRestQueue } from '../../shared/queue/pubsub-rest.js';
import {
  pubSubNames,
  pubSubMaxAttempts,
  type PubSubQueueOptions,
} from '../../shared/queue/pubsub-common.js';
import { testQueueDriver } from './queue.contract.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const host = inject('pubsubHost');
const projectId = 'switchyard-test';
/** Pub/Sub deadlines are whole seconds; 1 s keeps the real-time contract quick. */
const V = 1_000;

const freshPrefix = () => `sy${Math.random().toString(36).slice(2, 10)}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const common = (prefix = freshPrefix()): PubSubQueueOptions => ({
  projectId,
  prefix,
  autoCreate: true,
  deadLetterWaitMs: 2_000,
});
const grpcQueue = (o: Partial<PubSubQueueOptions> = {}) =>
  createPubSubQueue({ ...common(), ...o, apiEndpoint: host });
const restQueue = (o: Partial<PubSubQueueOptions> & { fetch?: typeof fetch } = {}) =>
  createPubSubRestQueue({ ...common(), ...o, baseUrl: `http://${host}` });

/** Pulls until `want` messages arrived or `ms` passed. */
async function pullUntil(queue: Queue, name: string, want: number, ms = 5_000, vis = V) {
  const got: QueueMessage[] = [];
  const until = Date.now() + ms;
  while (got.length < want && Date.now() < until) {
    const batch = await queue.pull(name, {
      max: Math.min(100, want - got.length),
      visibilityMs: vis,
    });
    got.push(...batch);
    if (batch.length === 0) await sleep(50);
  }
  return got;
}

describe.skipIf(!host)('Pub/Sub queue drivers against the emulator', () => {
  testQueueDriver('pubsub (gRPC)', () => grpcQueue(), { visibilityMs: V, ordered: false });
  testQueueDriver('pubsub-rest (fetch)', () => restQueue(), { visibilityMs: V, ordered: false });

  describe.each([
    ['gRPC', grpcQueue],
    ['REST', restQueue],
  ] as const)('Pub/Sub specifics (%s)', (_name, make) => {
    it('clamps maxAttempts to Pub/Sub’s minimum of 5, then dead-letters with the body intact', async () => {
      const queue = make({ maxAttempts: 2 });
      try {
        const id = await queue.publish('jobs', { jobId: 'job-1', attempt: 1 });
        for (let attempt = 1; attempt <= 5; attempt++) {
          const [m] = await pullUntil(queue, 'jobs', 1);
          expect(m).toMatchObject({ id, attempt });
          await queue.nack('jobs', m!.receipt);
        }
        // The emulator forwards to the dead-letter topic when the subscription is next pulled.
        expect(await queue.pull('jobs', { max: 10, visibilityMs: V })).toEqual([]);
        expect(await queue.deadLetters('jobs', 10)).toMatchObject([
          { id, attempt: 5, body: { jobId: 'job-1', attempt: 1 } },
        ]);
        // Reading dead letters does not consume them.
        expect((await queue.deadLetters('jobs', 10)).map((m) => m.id)).toEqual([id]);
        expect(await queue.pull('jobs', { max: 10, visibilityMs: V })).toEqual([]);
      } finally {
        await queue.close();
      }
    });

    it('redelivers after a short ack deadline, and keeps an extended message hidden', async () => {
      const queue = make();
      try {
        await queue.publish('work', { n: 1 });
        await queue.publish('work', { n: 2 });
        const first = await pullUntil(queue, 'work', 2);
        const [a, b] = first.sort((x, y) => Number(x.body.n) - Number(y.body.n));
        // a is worked on: extended every 500 ms; b is abandoned.
        for (let i = 0; i < 5; i++) {
          await sleep(500);
          await queue.extend('work', a!.receipt, V);
        }
        const again = await pullUntil(queue, 'work', 1);
        expect(again).toMatchObject([{ id: b!.id, attempt: 2 }]);
        await queue.ack('work', a!.receipt);
        await queue.ack('work', again[0]!.receipt);
        await sleep(V + 500);
        expect(await queue.pull('work', { max: 10, visibilityMs: V })).toEqual([]);
      } finally {
        await queue.close();
      }
    });

    it('refuses queue names that give invalid Pub/Sub names', async () => {
      const queue = make();
      for (const name of ['bad/name', 'a b', 'jobs-dead', 'x'.repeat(260)]) {
        await expect(queue.publish(name, {})).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
      await queue.close();
    });

    it('says to apply Terraform when the topic does not exist and autoCreate is off', async () => {
      const queue = make({ autoCreate: false });
      await expect(queue.publish('missing', { n: 1 })).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
        message: expect.stringMatching(/infra\/terraform/),
      });
      await expect(queue.pull('missing', { max: 1, visibilityMs: V })).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
      });
      await queue.close();
    });
  });

  it('shares one queue between the drivers: published by gRPC, consumed over REST', async () => {
    const prefix = freshPrefix();
    const publisher = grpcQueue({ prefix });
    const consumer = restQueue({ prefix });
    try {
      const body = { jobId: 'job-7', spec: { gpus: 8, text: 'ünï 🚀' } };
      const id = await publisher.publish('gcp', body);
      expect(await pullUntil(consumer, 'gcp', 1)).toMatchObject([{ id, body, attempt: 1 }]);
    } finally {
      await publisher.close();
      await consumer.close();
    }
  });

  it('carries the job id and our message id as attributes (and nothing else)', async () => {
    const prefix = freshPrefix();
    const queue = restQueue({ prefix });
    try {
      const id = await queue.publish('aws', { jobId: 'job-9', secretish: 'not in attributes' });
      const sub = `projects/${projectId}/subscriptions/${prefix}-aws-drainer`;
      const response = await fetch(`http://${host}/v1/${sub}:pull`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ maxMessages: 1, returnImmediately: true }),
      });
      const json = (await response.json()) as {
        receivedMessages: Array<{ message: { attributes: Record<string, string> } }>;
      };
      const attributes = json.receivedMessages[0]!.message.attributes;
      expect(Object.keys(attributes).sort()).toEqual(['id', 'jobId', 'publishedAt']);
      expect(attributes).toMatchObject({ id, jobId: 'job-9' });
    } finally {
      await queue.close();
    }
  });

  it('releases messages that are not JSON objects, so they dead-letter without reaching a consumer', async () => {
    const prefix = freshPrefix();
    const queue = restQueue({ prefix, deadLetterWaitMs: 0 });
    try {
      await queue.publish('raw', { warm: 'up' }); // creates the topic and subscriptions
      const [warm] = await pullUntil(queue, 'raw', 1);
      await queue.ack('raw', warm!.receipt);
      const topic = `projects/${projectId}/topics/${prefix}-raw`;
      await fetch(`http://${host}/v1/${topic}:publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [{ data: btoa('not json'), attributes: { id: 'raw-1' } }],
        }),
      });
      const until = Date.now() + 8_000;
      let dead: QueueMessage[] = [];
      while (dead.length === 0 && Date.now() < until) {
        expect(await queue.pull('raw', { max: 10, visibilityMs: V })).toEqual([]);
        dead = await queue.deadLetters('raw', 10);
        await sleep(100);
      }
      expect(dead).toMatchObject([{ id: 'raw-1', body: { undecodable: 'not json' } }]);
    } finally {
      await queue.close();
    }
  });

  it('publishes awaited messages one by one at a usable rate (measured, not asserted)', async () => {
    for (const [name, queue] of [
      ['gRPC', grpcQueue()],
      ['REST', restQueue()],
    ] as const) {
      try {
        const n = 200;
        const started = performance.now();
        for (let i = 0; i < n; i++) await queue.publish('rate', { i });
        const seconds = (performance.now() - started) / 1000;
        console.log(`${name}: ${n} awaited publishes in ${seconds.toFixed(2)} s`);
        const got = await pullUntil(queue, 'rate', n, 10_000, 30_000);
        expect(new Set(got.map((m) => m.body.i)).size).toBe(n);
      } finally {
        await queue.close();
      }
    }
  });

  describe('REST with a service-account key (fake token endpoint on loopback)', () => {
    let server: Server;
    let tokenUrl = '';
    let exchanges = 0;
    beforeAll(async () => {
      server = createServer((req, res) => {
        exchanges++;
        req.resume().on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ access_token: `fake-token-${exchanges}`, expires_in: 3600 }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      tokenUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/token`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('sends a bearer token on every call, minted once and cached', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const seen: Array<string | null> = [];
      const recordingFetch: typeof fetch = (input, init) => {
        const url = String(input);
        if (url.startsWith(`http://${host}`))
          seen.push(new Headers(init?.headers).get('authorization'));
        return fetch(input, init);
      };
      const queue = createPubSubRestQueue({
        ...common(),
        baseUrl: `http://${host}`,
        credentials: {
          clientEmail: 'drainer@switchyard-test.iam.gserviceaccount.com',
          privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        },
        tokenUrl,
        fetch: recordingFetch,
      });
      try {
        await queue.publish('authd', { n: 1 });
        const [m] = await pullUntil(queue, 'authd', 1);
        await queue.ack('authd', m!.receipt);
        expect(seen.length).toBeGreaterThan(4);
        expect(new Set(seen)).toEqual(new Set(['Bearer fake-token-1']));
        expect(exchanges).toBe(1);
      } finally {
        await queue.close();
      }
    });
  });
});

describe('infra/terraform/pubsub.tf matches the drivers (no emulator needed)', () => {
  const tf = readFileSync(new URL('../../infra/terraform/pubsub.tf', import.meta.url), 'utf8');
  /** The Terraform name templates, with the variables the driver fills in. */
  const names = [...tf.matchAll(/^\s*name\s*=\s*"(\$\{var\.pubsub_prefix\}[^"]*)"/gm)].map((m) =>
    m[1]!
      .replaceAll('${var.pubsub_prefix}', 'PREFIX')
      .replaceAll('${var.pubsub_consumer}', 'CONSUMER')
      .replaceAll('${each.key}', 'QUEUE'),
  );
  const defaultOf = (variable: string) =>
    new RegExp(`variable "${variable}" \\{[^}]*?default\\s*=\\s*("?[^"\\n]*"?)`).exec(tf)?.[1];

  it('names every topic and subscription as pubSubNames does', () => {
    expect(names.sort()).toEqual(Object.values(pubSubNames('PREFIX', 'CONSUMER', 'QUEUE')).sort());
  });

  it('uses the drivers’ defaults for prefix, consumer and delivery attempts', () => {
    expect(defaultOf('pubsub_prefix')).toBe('"switchyard"');
    expect(defaultOf('pubsub_consumer')).toBe('"drainer"');
    expect(Number(defaultOf('pubsub_max_delivery_attempts'))).toBe(pubSubMaxAttempts());
    expect(tf).toMatch(/dead_letter_policy \{/);
    expect(tf).toMatch(/gcp-sa-pubsub\.iam\.gserviceaccount\.com/);
  });
});
