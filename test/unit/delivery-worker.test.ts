/**
 * The outbound webhook worker against a real HTTP receiver on 127.0.0.1 that checks every request
 * with the reference `standardwebhooks` package, over the memory store; and its backoff schedule.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../shared/base/clock.js';
import { AppError } from '../../shared/base/errors.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { Delivery, DeliveryTable } from '../../shared/store/port.js';
import {
  createDeliveryWorker,
  type DeliveryWorkerDeps,
} from '../../shared/webhooks/delivery-worker.js';
import { nextDelayMs, type BackoffOptions } from '../../shared/webhooks/backoff.js';
import { generateWebhookSecret } from '../../shared/webhooks/standard-webhooks.js';

const SECRET = generateWebhookSecret();

interface Received {
  path: string;
  id: string;
  timestamp: number;
  body: string;
  userAgent: string | undefined;
  /** Empty when the reference verifier accepted the request. */
  verifyError: string;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the response this long (the receiver's close ends it sooner). */
  delayMs?: number;
}

interface Receiver {
  url: string;
  requests: Received[];
  connections: number;
  reply: (r: Received, n: number) => Reply;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const timers = new Set<NodeJS.Timeout>();
  const receiver: Receiver = {
    url: '',
    requests: [],
    connections: 0,
    reply: () => ({ status: 204 }),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verifyError = '';
      try {
        new Webhook(SECRET).verify(body, flat(req.headers));
      } catch (e) {
        verifyError = String(e);
      }
      const r: Received = {
        path: req.url ?? '',
        id: String(req.headers['webhook-id']),
        timestamp: Number(req.headers['webhook-timestamp']),
        body,
        userAgent: req.headers['user-agent'],
        verifyError,
      };
      receiver.requests.push(r);
      const reply = receiver.reply(r, receiver.requests.length);
      const send = () => {
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      };
      if (!reply.delayMs) return send();
      const t = setTimeout(send, reply.delayMs);
      timers.add(t);
    });
  });
  server.on('connection', () => receiver.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/hook`;
  receiver.close = async () => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out[k] = v;
  return out;
}

let receiver: Receiver;
let deliveries: DeliveryTable;
let t: number;
const clock = { now: () => t };
const logs: Record<string, unknown>[] = [];

beforeEach(async () => {
  receiver = await startReceiver();
  deliveries = createMemoryStore().deliveries;
  // The reference verifier checks timestamps against the real time, so start there.
  t = Date.now();
  logs.length = 0;
});

afterEach(async () => {
  await receiver.close();
});

let seq = 0;
/** A pending delivery, due now, to the receiver. */
async function addDelivery(overrides: Partial<Delivery> = {}): Promise<Delivery> {
  seq++;
  const d: Delivery = {
    id: `dlv_${String(seq).padStart(4, '0')}`,
    jobId: 'job_1',
    tenantId: 'ten_1',
    url: receiver.url,
    eventType: 'job.running',
    payload: JSON.stringify({ type: 'job.running', data: { jobId: 'job_1', seq } }),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: iso(t),
    createdAt: iso(t + seq),
    updatedAt: iso(t),
    version: 1,
    ...overrides,
  };
  await deliveries.create(d);
  return d;
}

async function stored(id: string): Promise<Delivery> {
  const d = (await deliveries.listByJob('job_1')).find((x) => x.id === id);
  if (d) return d;
  throw new Error(`delivery ${id} not found under job_1`);
}

function worker(overrides: Partial<DeliveryWorkerDeps> = {}) {
  return createDeliveryWorker({
    deliveries,
    secretFor: async () => SECRET,
    clock,
    random: () => 0.5,
    log: (e) => logs.push(e),
    ...overrides,
  });
}

const none = { attempted: 0, delivered: 0, failed: 0, dead: 0 };

describe('delivery worker', () => {
  it('delivers a signed webhook the reference verifies, and keeps nothing of the response', async () => {
    const d = await addDelivery();
    receiver.reply = () => ({ status: 200, body: 'SECRET-RESPONSE '.repeat(50_000) });

    expect(await worker().runOnce()).toEqual({ ...none, attempted: 1, delivered: 1 });

    expect(receiver.requests).toHaveLength(1);
    const [r] = receiver.requests;
    expect(r).toMatchObject({ path: '/hook', id: d.id, body: d.payload, verifyError: '' });
    expect(r!.timestamp).toBe(Math.floor(t / 1000));
    expect(r!.userAgent).toMatch(/^Switchyard-Webhooks/);
    const after = await stored(d.id);
    expect(after).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200 });
    expect(after.lastError).toBeUndefined();
    expect(JSON.stringify([after, logs])).not.toContain('SECRET-RESPONSE');
    expect(await worker().runOnce()).toEqual(none);
  });

  it('retries 5xx with backoff, keeping the same webhook-id, until it succeeds', async () => {
    const d = await addDelivery();
    receiver.reply = (_r, n) => ({ status: n === 1 ? 500 : n === 2 ? 503 : 204 });
    const w = worker({ backoff: { baseMs: 1000, maxMs: 60_000 } });
    const start = t;

    expect(await w.runOnce()).toEqual({ ...none, attempted: 1, failed: 1 });
    expect(await stored(d.id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastStatus: 500,
      lastError: 'endpoint answered HTTP 500',
      nextAttemptAt: iso(start + 500), // random 0.5 × 1000
    });
    expect(await w.runOnce()).toEqual(none); // not due yet

    t = start + 500;
    expect(await w.runOnce()).toEqual({ ...none, attempted: 1, failed: 1 });
    expect(await stored(d.id)).toMatchObject({
      attempts: 2,
      lastStatus: 503,
      nextAttemptAt: iso(t + 1000), // 0.5 × 2000
    });

    t += 1000;
    expect(await w.runOnce()).toEqual({ ...none, attempted: 1, delivered: 1 });
    expect(await stored(d.id)).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 204 });
    expect(receiver.requests.map((r) => [r.id, r.verifyError])).toEqual([
      [d.id, ''],
      [d.id, ''],
      [d.id, ''],
    ]);
  });

  it('stops at 410 Gone: dead, and later deliveries to that endpoint are not sent', async () => {
    const first = await addDelivery();
    const second = await addDelivery();
    receiver.reply = () => ({ status: 410 });

    expect(await worker().runOnce()).toEqual({ ...none, attempted: 1, dead: 2 });
    expect(receiver.requests).toHaveLength(1);
    expect(await stored(first.id)).toMatchObject({ state: 'dead', lastStatus: 410 });
    expect((await stored(first.id)).lastError).toMatch(/410 Gone.*register a new callback URL/);
    expect(await stored(second.id)).toMatchObject({ state: 'dead', attempts: 0 });
    t += 3_600_000;
    expect(await worker().runOnce()).toEqual(none);
  });

  it.each([301, 302, 307, 308])('never follows a %i redirect, and retries', async (status) => {
    const d = await addDelivery();
    receiver.reply = () => ({ status, headers: { location: receiver.url + '/elsewhere' } });

    expect(await worker().runOnce()).toEqual({ ...none, attempted: 1, failed: 1 });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/hook']);
    const after = await stored(d.id);
    expect(after).toMatchObject({ state: 'pending', lastStatus: status });
    expect(after.lastError).toMatch(/redirects are not followed/);
  });

  it('times out a slow endpoint and retries', async () => {
    const d = await addDelivery();
    receiver.reply = () => ({ status: 200, delayMs: 10_000 });
    const started = Date.now();

    expect(await worker({ timeoutMs: 200 }).runOnce()).toEqual({
      ...none,
      attempted: 1,
      failed: 1,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    const after = await stored(d.id);
    expect(after).toMatchObject({ state: 'pending', lastError: 'no response within 200 ms' });
    expect(after.lastStatus).toBeUndefined();
  });

  it('retries a refused connection', async () => {
    const d = await addDelivery({ url: 'http://127.0.0.1:1/hook' });
    expect(await worker().runOnce()).toEqual({ ...none, attempted: 1, failed: 1 });
    expect((await stored(d.id)).lastError).toMatch(/^request failed/);
  });

  it('gives up after maxAttempts: dead, with the last error', async () => {
    const d = await addDelivery();
    receiver.reply = () => ({ status: 500 });
    const w = worker({ maxAttempts: 3, random: () => 0 });

    expect(await w.runOnce()).toMatchObject({ failed: 1 });
    expect(await w.runOnce()).toMatchObject({ failed: 1 });
    expect(await w.runOnce()).toEqual({ ...none, attempted: 1, dead: 1 });
    expect(await stored(d.id)).toMatchObject({
      state: 'dead',
      attempts: 3,
      lastStatus: 500,
      lastError: 'gave up after 3 attempts; last: endpoint answered HTTP 500',
    });
    expect(await w.runOnce()).toEqual(none);
    expect(receiver.requests).toHaveLength(3);
  });

  it('marks a delivery dead when the secret is gone, without sending', async () => {
    const d = await addDelivery();
    expect(await worker({ secretFor: async () => undefined }).runOnce()).toEqual({
      ...none,
      attempted: 1,
      dead: 1,
    });
    expect((await stored(d.id)).lastError).toMatch(/callback secret is gone/);
    expect(receiver.connections).toBe(0);
  });

  it('refuses a URL the guard rejects before any socket opens', async () => {
    const d = await addDelivery();
    const seen: string[] = [];
    const guard = async (url: URL) => {
      seen.push(url.href);
      throw new AppError('FORBIDDEN', '127.0.0.1 is a loopback address');
    };

    expect(await worker({ guard }).runOnce()).toEqual({ ...none, attempted: 1, dead: 1 });
    expect(seen).toEqual([receiver.url]);
    expect(receiver.connections).toBe(0);
    expect(await stored(d.id)).toMatchObject({
      state: 'dead',
      lastError: 'refused by the callback URL check: 127.0.0.1 is a loopback address',
    });
  });

  it('sends a job’s deliveries in creation order, holding later ones while one is failing', async () => {
    const first = await addDelivery();
    const second = await addDelivery({ nextAttemptAt: iso(t - 1000) }); // due earlier
    receiver.reply = (_r, n) => ({ status: n === 1 ? 500 : 200 });

    expect(await worker().runOnce()).toEqual({ ...none, attempted: 1, failed: 1 });
    expect(receiver.requests.map((r) => r.id)).toEqual([first.id]);
    // The held one is moved out of the due list until the failing one's retry.
    const retryAt = (await stored(first.id)).nextAttemptAt;
    expect(await stored(second.id)).toMatchObject({ state: 'pending', nextAttemptAt: retryAt });

    t = Date.parse(retryAt);
    expect(await worker().runOnce()).toEqual({ ...none, attempted: 2, delivered: 2 });
    expect(receiver.requests.map((r) => r.id)).toEqual([first.id, first.id, second.id]);
  });

  it('two workers running at once send each attempt exactly once, in order per job', async () => {
    const jobs = ['job_a', 'job_b', 'job_c', 'job_d', 'job_e', 'job_f'];
    const all: Delivery[] = [];
    for (const jobId of jobs) {
      for (let i = 0; i < 3; i++) all.push(await addDelivery({ jobId }));
    }
    receiver.reply = () => ({ status: 200, delayMs: 20 });
    const a = worker({ concurrency: 3 });
    const b = worker({ concurrency: 3 });

    const results = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);

    const sum = (k: keyof typeof none) => results.reduce((n, r) => n + r[k], 0);
    expect(sum('attempted')).toBe(all.length);
    expect(sum('delivered')).toBe(all.length);
    const ids = receiver.requests.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(all.map((d) => d.id).sort());
    expect(receiver.requests.every((r) => r.verifyError === '')).toBe(true);
    for (const jobId of jobs) {
      const sent = ids.filter((id) => all.find((d) => d.id === id)!.jobId === jobId);
      expect(sent).toEqual(all.filter((d) => d.jobId === jobId).map((d) => d.id));
    }
  });

  it('retries when the guard fails for a reason that may pass (retryable error)', async () => {
    const d = await addDelivery();
    const guard = async () => {
      throw new AppError('UNAVAILABLE', 'DNS lookup timed out');
    };
    expect(await worker({ guard }).runOnce()).toEqual({ ...none, attempted: 1, failed: 1 });
    expect(await stored(d.id)).toMatchObject({ state: 'pending', attempts: 1 });
    expect(receiver.connections).toBe(0);
  });

  it.each([
    ['ftp://127.0.0.1/hook', /scheme ftp: is not http/],
    ['not a url', /not a valid URL/],
    ['http://user:pw@127.0.0.1/hook', /must not contain credentials/],
  ])('marks %s dead without sending', async (url, want) => {
    const d = await addDelivery({ url });
    expect(await worker().runOnce()).toEqual({ ...none, attempted: 1, dead: 1 });
    expect((await stored(d.id)).lastError).toMatch(want);
    expect(receiver.connections).toBe(0);
  });

  it('honours the run limit', async () => {
    for (const jobId of ['job_a', 'job_b', 'job_c']) await addDelivery({ jobId });
    expect(await worker().runOnce(2)).toEqual({ ...none, attempted: 2, delivered: 2 });
    expect(await worker().runOnce(2)).toEqual({ ...none, attempted: 1, delivered: 1 });
  });
});

describe('nextDelayMs', () => {
  const cases: {
    name: string;
    attempt: number;
    opts: BackoffOptions;
    want: number;
  }[] = [
    { name: 'full, first, top', attempt: 1, opts: { random: () => 0.999 }, want: 999 },
    { name: 'full, third, half', attempt: 3, opts: { random: () => 0.5 }, want: 2000 },
    { name: 'full, zero', attempt: 5, opts: { random: () => 0 }, want: 0 },
    { name: 'full, capped', attempt: 30, opts: { random: () => 0.5 }, want: 150_000 },
    { name: 'full, huge attempt', attempt: 5000, opts: { random: () => 1 }, want: 300_000 },
    {
      name: 'full, custom base and cap',
      attempt: 4,
      opts: { baseMs: 100, maxMs: 500, random: () => 0.5 },
      want: 250,
    },
    { name: 'attempt below 1 is 1', attempt: 0, opts: { random: () => 0.5 }, want: 500 },
    {
      name: 'decorrelated, low end is base',
      attempt: 2,
      opts: { jitter: 'decorrelated', previousMs: 4000, random: () => 0 },
      want: 1000,
    },
    {
      name: 'decorrelated, high end is 3× previous',
      attempt: 2,
      opts: { jitter: 'decorrelated', previousMs: 4000, random: () => 1 },
      want: 12_000,
    },
    {
      name: 'decorrelated, capped',
      attempt: 9,
      opts: { jitter: 'decorrelated', previousMs: 250_000, random: () => 1 },
      want: 300_000,
    },
  ];
  it.each(cases)('$name', ({ attempt, opts, want }) => {
    expect(nextDelayMs(attempt, opts)).toBe(want);
  });

  it('stays within [0, cap] with the real random source', () => {
    for (let attempt = 1; attempt < 40; attempt++) {
      const ms = nextDelayMs(attempt);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(300_000, 1000 * 2 ** (attempt - 1)));
    }
  });
});
