/**
 * The Cloudflare Queues driver (shared/queue/cloudflare.ts) and the Worker's dead-letter handling.
 *
 * THIS IS A FAKE: real Cloudflare cannot be reached from here, so the HTTP pull path runs against
 * `FakeCloudflareQueuesApi` below, a loopback HTTP server written for this test. It implements the
 * documented request and response shapes of Cloudflare's pull-consumer API (`POST
 * /accounts/{account_id}/queues/{queue_id}/messages/pull` with `batch_size` and
 * `visibility_timeout_ms`; `POST …/messages/ack` with `acks: [{lease_id}]` and
 * `retries: [{lease_id, delay_seconds}]`; the `{ success, errors, messages, result }` envelope), with
 * leases, a visibility timeout, `attempts`, `max_retries` and a dead-letter queue, as we understand
 * them from the documentation. It proves the driver speaks those shapes and keeps the queue
 * contract, not that Cloudflare behaves exactly like the fake. The producer side is a fake binding
 * that feeds the same fake server (the real bindings are exercised in test/worker/
 * cloudflare-queues.test.ts, in workerd). The shared contract runs with `deadLetters` read from the
 * fake's dead-letter queue: in production that queue is consumed by the Worker, and the driver's own
 * `deadLetters` returns [] (tested separately).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { dispatchOf } from '../support/dispatch-context.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import worker from '../../functions/worker/index.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import {
  createCloudflareQueue,
  producerBindingName,
  type QueueProducerBinding,
} from '../../shared/queue/cloudflare.js';
import { decodePulledBody, unwrapEnvelope } from '../../shared/queue/cloudflare-wire.js';
import {
  handleDeadLetterBatch,
  type DeadLetterMessage,
} from '../../shared/dispatch/cloudflare-dead-letters.js';
import type { Queue, QueueMessage } from '../../shared/queue/port.js';
import { silentLogger } from '../../shared/base/log.js';
import { createFixture } from '../security/fixture.js';
import { testQueueDriver } from './queue.contract.js';

const ACCOUNT = 'acct-test';
const TOKEN = 'fake-api-token';
const MAX_ATTEMPTS = 3;

interface FakeMessage {
  id: string;
  bodyText: string;
  contentType: string;
  attempts: number;
  timestampMs: number;
  visibleAt: number;
  lease?: { id: string; expiresAt: number };
}

/** FAKE of Cloudflare's Queues pull-consumer HTTP API (see the file header). */
class FakeCloudflareQueuesApi {
  readonly queues = new Map<string, FakeMessage[]>();
  readonly dead = new Map<string, FakeMessage[]>();
  readonly requests: Array<{ path: string; body: unknown }> = [];
  /** When set, every request answers with this status (to test error mapping). */
  failWith: number | undefined;
  private server: Server | undefined;
  private seq = 0;
  url = '';

  constructor(private readonly maxRetries: number) {}

  private q(id: string): FakeMessage[] {
    let q = this.queues.get(id);
    if (!q) this.queues.set(id, (q = []));
    return q;
  }

  /** What a producer binding's `send` does, for the fake binding. */
  send(queueId: string, body: unknown, contentType = 'v8'): void {
    if (contentType !== 'json') {
      // Pull consumers cannot decode the default v8 content type: make the mistake loud.
      throw new Error(`the fake accepts only contentType json; got ${contentType}`);
    }
    const now = Date.now();
    this.q(queueId).push({
      id: `cf-${++this.seq}`,
      bodyText: JSON.stringify(body),
      contentType,
      attempts: 0,
      timestampMs: now,
      visibleAt: now,
    });
  }

  /** A message that is not JSON (as another producer could send), for the poison test. */
  sendRaw(queueId: string, text: string): void {
    const now = Date.now();
    this.q(queueId).push({
      id: `cf-${++this.seq}`,
      bodyText: text,
      contentType: 'text',
      attempts: 0,
      timestampMs: now,
      visibleAt: now,
    });
  }

  binding(queueId: string): QueueProducerBinding {
    return { send: async (body, options) => this.send(queueId, body, options?.contentType) };
  }

  /** Gives a message back (lease expired or retried): to the dead letters after max_retries. */
  private release(queueId: string, m: FakeMessage, delayMs: number): void {
    delete m.lease;
    if (m.attempts > this.maxRetries) {
      const q = this.q(queueId);
      q.splice(q.indexOf(m), 1);
      const dead = this.dead.get(queueId) ?? [];
      dead.push(m);
      this.dead.set(queueId, dead);
      return;
    }
    m.visibleAt = Date.now() + delayMs;
  }

  private expire(queueId: string): void {
    const now = Date.now();
    for (const m of [...this.q(queueId)]) {
      if (m.lease && m.lease.expiresAt <= now) this.release(queueId, m, 0);
    }
  }

  private leased(queueId: string, leaseId: string): FakeMessage | undefined {
    this.expire(queueId);
    return this.q(queueId).find((m) => m.lease?.id === leaseId);
  }

  private pull(queueId: string, body: Record<string, unknown>) {
    const batch = Number(body.batch_size ?? 5);
    const vis = Number(body.visibility_timeout_ms ?? 30_000);
    if (!Number.isInteger(batch) || batch < 1 || batch > 100 || !(vis > 0) || vis > 43_200_000) {
      return { status: 400, errors: [{ code: 10106, message: 'invalid batch_size or timeout' }] };
    }
    this.expire(queueId);
    const now = Date.now();
    const out = [];
    for (const m of this.q(queueId)) {
      if (out.length >= batch) break;
      if (m.lease || m.visibleAt > now) continue;
      m.attempts++;
      m.lease = {
        id: `lease-${++this.seq}-${Math.random().toString(36).slice(2)}`,
        expiresAt: now + vis,
      };
      out.push({
        id: m.id,
        body: m.bodyText,
        attempts: m.attempts,
        lease_id: m.lease.id,
        timestamp_ms: m.timestampMs,
        metadata: { 'CF-Content-Type': m.contentType, 'CF-sourceMessageSource': 'worker' },
      });
    }
    return {
      status: 200,
      result: { message_backlog_count: this.q(queueId).length, messages: out },
    };
  }

  private ack(queueId: string, body: Record<string, unknown>) {
    const acks = (body.acks ?? []) as Array<{ lease_id?: string }>;
    const retries = (body.retries ?? []) as Array<{ lease_id?: string; delay_seconds?: number }>;
    const warnings: string[] = [];
    let ackCount = 0;
    let retryCount = 0;
    for (const a of acks) {
      const m = this.leased(queueId, a.lease_id ?? '');
      if (!m) {
        warnings.push(`lease ${a.lease_id} is not held`);
        continue;
      }
      const q = this.q(queueId);
      q.splice(q.indexOf(m), 1);
      ackCount++;
    }
    for (const r of retries) {
      const m = this.leased(queueId, r.lease_id ?? '');
      if (!m) {
        warnings.push(`lease ${r.lease_id} is not held`);
        continue;
      }
      this.release(queueId, m, (r.delay_seconds ?? 0) * 1000);
      retryCount++;
    }
    return { status: 200, result: { ackCount, retryCount, warnings } };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readJson(req).then((body) => {
        const answer = this.route(req, body);
        res.statusCode = answer.status;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            success: answer.status < 300,
            errors: answer.errors ?? [],
            messages: [],
            result: answer.result ?? null,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/client/v4`;
  }

  private route(
    req: IncomingMessage,
    body: unknown,
  ): { status: number; result?: unknown; errors?: Array<{ code: number; message: string }> } {
    if (this.failWith) return { status: this.failWith, errors: [{ code: 1, message: 'injected' }] };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      return { status: 401, errors: [{ code: 10000, message: 'Authentication error' }] };
    }
    const m = /^\/client\/v4\/accounts\/([^/]+)\/queues\/([^/]+)\/messages\/(pull|ack)$/.exec(
      req.url ?? '',
    );
    if (req.method !== 'POST' || !m || m[1] !== ACCOUNT || !m[2]!.startsWith('qid-')) {
      return { status: 404, errors: [{ code: 11000, message: 'Queue not found' }] };
    }
    this.requests.push({ path: req.url!, body });
    const queueId = decodeURIComponent(m[2]!);
    const json = (body ?? {}) as Record<string, unknown>;
    return m[3] === 'pull' ? this.pull(queueId, json) : this.ack(queueId, json);
  }

  /** The dead-letter queue's contents for a queue, as port messages. */
  deadLetters(queueId: string, limit: number): QueueMessage[] {
    return (this.dead.get(queueId) ?? []).slice(0, limit).map((m) => {
      const inner = unwrapEnvelope(decodePulledBody(m.bodyText));
      return {
        id: inner?.id ?? m.id,
        body: inner?.body ?? { undecodable: m.bodyText },
        attempt: m.attempts,
        receipt: '',
        publishedAt: inner?.publishedAt ?? new Date(m.timestampMs).toISOString(),
      };
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

const fake = new FakeCloudflareQueuesApi(MAX_ATTEMPTS - 1);
const qid = (queue: string) => `qid-${queue}`;

function makeQueue(extra: { apiToken?: string } = {}): Queue {
  return createCloudflareQueue({
    producers: (queue) => fake.binding(qid(queue)),
    pull: {
      accountId: ACCOUNT,
      apiToken: extra.apiToken ?? TOKEN,
      queueIds: qid,
      baseUrl: fake.url,
    },
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

beforeAll(() => fake.start());
afterAll(() => fake.stop());

// The shared contract. `deadLetters` reads the fake's dead-letter queue (see the header).
testQueueDriver(
  'cloudflare (HTTP pull against a FAKE of the Cloudflare API)',
  () => {
    const queue = makeQueue();
    return {
      ...queue,
      deadLetters: async (name: string, limit: number) => fake.deadLetters(qid(name), limit),
    };
  },
  { visibilityMs: 1_000, ordered: false, maxAttempts: MAX_ATTEMPTS },
);

describe('Cloudflare Queues driver specifics (against the FAKE API)', () => {
  it('publishes through the binding as json, in an envelope carrying our id', async () => {
    const sent: Array<{ body: unknown; options: unknown }> = [];
    const queue = createCloudflareQueue({
      producers: { aws: { send: async (body, options) => void sent.push({ body, options }) } },
    });
    const id = await queue.publish('aws', { jobId: 'j1', kind: 'create' });
    expect(sent).toEqual([
      {
        body: { sy: 1, id, publishedAt: expect.any(String), body: { jobId: 'j1', kind: 'create' } },
        options: { contentType: 'json' },
      },
    ]);
  });

  it('names the missing producer binding, and says drainers need pull settings', async () => {
    const queue = createCloudflareQueue({ producers: {} });
    await expect(queue.publish('on-prem', { n: 1 })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('SY_QUEUE_ON_PREM'),
    });
    for (const call of [
      () => queue.pull('aws', { max: 1, visibilityMs: 1000 }),
      () => queue.ack('aws', 'lease'),
      () => queue.nack('aws', 'lease'),
      () => queue.extend('aws', 'lease', 1000),
    ]) {
      await expect(call()).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
        message: expect.stringMatching(/drainers need the HTTP pull consumer settings/),
      });
    }
    expect(await queue.deadLetters('aws', 10)).toEqual([]);
    expect(producerBindingName('gcp')).toBe('SY_QUEUE_GCP');
  });

  it('sends the documented request shapes, with the lease id as the receipt', async () => {
    const queue = makeQueue();
    fake.requests.length = 0;
    await queue.publish('shapes', { n: 1 });
    const [m] = await queue.pull('shapes', { max: 7, visibilityMs: 1500 });
    await queue.nack('shapes', m!.receipt, 2500);
    expect(fake.requests).toEqual([
      {
        path: `/client/v4/accounts/${ACCOUNT}/queues/qid-shapes/messages/pull`,
        body: { batch_size: 7, visibility_timeout_ms: 1500 },
      },
      {
        path: `/client/v4/accounts/${ACCOUNT}/queues/qid-shapes/messages/ack`,
        body: { acks: [], retries: [{ lease_id: m!.receipt, delay_seconds: 3 }] },
      },
    ]);
    expect(m!.receipt).toMatch(/^lease-/);
    expect(await queue.deadLetters('shapes', 10)).toEqual([]);
  });

  it('extend gives the lease back with a delay; an ack after it removes the message on next sight', async () => {
    const queue = makeQueue();
    const id = await queue.publish('extended', { n: 1 });
    const [m] = await queue.pull('extended', { max: 1, visibilityMs: 1000 });
    await queue.extend('extended', m!.receipt, 1000);
    await queue.ack('extended', m!.receipt); // the lease is gone: remembered as done instead
    expect(await queue.pull('extended', { max: 1, visibilityMs: 1000 })).toEqual([]);
    await sleep(1_100);
    expect(await queue.pull('extended', { max: 1, visibilityMs: 1000 })).toEqual([]);
    expect(fake.queues.get(qid('extended'))).toEqual([]);
    expect(id).toBe(m!.id);
  });

  it('gives back bodies that are not JSON objects, so they dead-letter without reaching a consumer', async () => {
    const queue = makeQueue();
    fake.sendRaw(qid('raw'), 'not json');
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      expect(await queue.pull('raw', { max: 10, visibilityMs: 1000 })).toEqual([]);
    }
    expect(fake.deadLetters(qid('raw'), 10)).toMatchObject([{ body: { undecodable: 'not json' } }]);
  });

  it('reads JSON bodies given as text, as base64 text, or as objects', () => {
    const env = { sy: 1, id: 'x', publishedAt: '2030-01-01T00:00:00.000Z', body: { a: 'ü' } };
    const text = JSON.stringify(env);
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(text)));
    for (const form of [text, b64, env]) {
      expect(unwrapEnvelope(decodePulledBody(form))).toEqual({
        id: 'x',
        publishedAt: env.publishedAt,
        body: { a: 'ü' },
      });
    }
    expect(unwrapEnvelope(decodePulledBody('%%%'))).toBeUndefined();
  });

  it('maps API errors: bad token and unknown queue to INVALID_CONFIG, 5xx/429 to UNAVAILABLE', async () => {
    await expect(
      makeQueue({ apiToken: 'wrong' }).pull('aws', { max: 1, visibilityMs: 1000 }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(/API token/),
    });
    const unknown = createCloudflareQueue({
      producers: {},
      pull: { accountId: ACCOUNT, apiToken: TOKEN, queueIds: { aws: 'nope' }, baseUrl: fake.url },
    });
    await expect(unknown.pull('aws', { max: 1, visibilityMs: 1000 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(/http_pull/),
    });
    await expect(unknown.pull('gcp', { max: 1, visibilityMs: 1000 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(/no Cloudflare queue id for queue gcp/),
    });
    for (const status of [429, 503]) {
      fake.failWith = status;
      try {
        await expect(makeQueue().pull('aws', { max: 1, visibilityMs: 1000 })).rejects.toMatchObject(
          { code: 'UNAVAILABLE', retryable: true },
        );
      } finally {
        fake.failWith = undefined;
      }
    }
  });
});

/** A Workers-like dead-letter message that records what the handler did with it. */
function deadLetter(body: unknown, id = 'm1') {
  const seen: string[] = [];
  const message: DeadLetterMessage = {
    id,
    body,
    attempts: 1,
    ack: () => void seen.push('ack'),
    retry: () => void seen.push('retry'),
  };
  return { message, seen };
}

describe('the Worker and dead letters (in Node, memory store)', () => {
  it('answers 503 naming the binding when SWITCHYARD_QUEUE=cloudflare has no producer binding', async () => {
    const env = { SWITCHYARD_STORE: 'memory', SWITCHYARD_QUEUE: 'cloudflare' };
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
    const res = await worker.fetch(new Request('http://w.test/healthz'), env, ctx);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INVALID_CONFIG');
    expect(body.error.message).toMatch(/SY_QUEUE_AWS/);
  });

  it('reports a dead create as create-failed (DeadLettered) once; a redelivery changes nothing', async () => {
    const f = await createFixture();
    const { token } = await f.mint('acme');
    const submitted = await f.call('POST', '/v1/jobs', {
      token,
      body: {
        name: 'dl',
        project: 'p',
        image: 'busybox',
        resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      },
    });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.id as string;
    const [published] = await f.ctx.queue.pull('aws', { max: 1, visibilityMs: 60_000 });
    expect(published!.body).toMatchObject({ kind: 'create', jobId });
    // What the Worker receives from the dead-letter queue: the envelope the driver sent.
    const envelope = {
      sy: 1,
      id: 'e1',
      publishedAt: new Date().toISOString(),
      body: published!.body,
    };
    const control = createControlPlane(dispatchOf(f.ctx));
    const deps = { control, log: silentLogger, deadLetterQueue: 'switchyard-dead-letter' };

    const first = deadLetter(envelope);
    expect(
      await handleDeadLetterBatch(
        { queue: 'switchyard-dead-letter', messages: [first.message] },
        deps,
      ),
    ).toMatchObject({ reported: 1 });
    expect(first.seen).toEqual(['ack']);
    const after = (await f.store.jobs.get(jobId))!;
    expect(after.state).toBe('failed'); // the fixture has one cluster: nowhere else to go
    const dead = after.events.find((e) => e.reason === 'DeadLettered');
    expect(dead?.message).toMatch(/exhausted its deliveries/);

    const again = deadLetter(envelope, 'm1');
    await handleDeadLetterBatch(
      { queue: 'switchyard-dead-letter', messages: [again.message] },
      deps,
    );
    expect(again.seen).toEqual(['ack']);
    const later = (await f.store.jobs.get(jobId))!;
    expect(later.events).toHaveLength(after.events.length);
    expect(later.version).toBe(after.version);
  });

  it('acks poison, and retries batches from queues other than the dead-letter queue', async () => {
    const f = await createFixture();
    const deps = {
      control: createControlPlane(dispatchOf(f.ctx)),
      log: silentLogger,
      deadLetterQueue: 'switchyard-dead-letter',
    };
    const poison = [
      deadLetter('not json'),
      deadLetter({ kind: 'create', jobId: 1 }),
      deadLetter(42),
    ];
    expect(
      await handleDeadLetterBatch(
        { queue: 'switchyard-dead-letter', messages: poison.map((p) => p.message) },
        deps,
      ),
    ).toMatchObject({ poison: 3 });
    expect(poison.map((p) => p.seen)).toEqual([['ack'], ['ack'], ['ack']]);
    const work = deadLetter({ sy: 1, id: 'x', body: { kind: 'create' } });
    await handleDeadLetterBatch({ queue: 'switchyard-aws', messages: [work.message] }, deps);
    expect(work.seen).toEqual(['retry']);
  });
});
