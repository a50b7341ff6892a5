// Dead-letter redrive end to end, in-process but over real loopback HTTP: the API on the SQLite
// store behind a Node server, a receiver that answers 500 until a switch flips (verifying every
// request with the reference `standardwebhooks` package once it accepts), and the ordinary
// delivery worker with maxAttempts 2. Every status webhook of a job dead-letters; after the flip,
// one named delivery and then the rest are redriven (the rest by two concurrent requests), each
// arrives once, signed and verified, in the job's order, and the listing shows them delivered.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../functions/cli/main.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { deliverySecret } from '../../shared/maintenance/secrets.js';
import {
  createDeliveryWorker,
  type DeliveryWorker,
} from '../../shared/webhooks/delivery-worker.js';
import { createFixture, type Fixture } from '../security/fixture.js';
import { startReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface DeliveryItem {
  id: string;
  eventType: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  redrivenAt: string | null;
}

let f: Fixture;
let server: ServerType;
let base: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let worker: DeliveryWorker;
let failing = true;

async function http(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The CLI in-process against the server: its exit code and output. */
async function cli(token: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };
  const code = await main([...args, '--url', base, '--token', token], {}, process.cwd(), io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const list = async (token: string, id: string) =>
  (await http('GET', `/v1/jobs/${id}/deliveries`, token)).body as {
    items: DeliveryItem[];
    deadLetters: number;
  };

beforeAll(async () => {
  f = await createFixture({ store: createSqliteStore({ path: ':memory:' }) });
  // Real time: receivers check the signature's timestamp against their own clock.
  f.clock.set(Date.now());
  server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver = await startReceiver(SECRET, { failWhile: () => failing });
  worker = createDeliveryWorker({
    deliveries: f.store.deliveries,
    secretFor: (d) => deliverySecret(f.store, d),
    clock: f.clock,
    maxAttempts: 2,
    timeoutMs: 5_000,
    backoff: { baseMs: 1_000, maxMs: 1_000 },
  });
});

afterAll(async () => {
  await worker?.close();
  await receiver?.close();
  await new Promise((r) => server?.close(r));
  await f?.store.close();
});

describe('POST /v1/jobs/:id/deliveries:redrive', () => {
  it('dead letters go out again, signed and in order, once each under concurrent redrives', async () => {
    const token = (await f.mint('acme')).token;
    const submitted = await http('POST', '/v1/jobs', token, {
      name: 'train',
      project: 'research',
      image: 'busybox:1.36',
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      callback: { url: receiver.url, secret: SECRET },
    });
    expect(submitted.status).toBe(202);
    const jobId = String(submitted.body.id);

    // 1. The receiver fails: every delivery is tried twice, then dead-lettered.
    for (let pass = 0; pass < 40; pass++) {
      await worker.runOnce();
      if ((await list(token, jobId)).items.every((d) => d.state === 'dead')) break;
      f.clock.advance(2_000);
    }
    const dead = await list(token, jobId);
    expect(dead.items.length).toBeGreaterThanOrEqual(2);
    expect(dead.deadLetters).toBe(dead.items.length);
    for (const d of dead.items) {
      expect(d).toMatchObject({ state: 'dead', attempts: 2, lastStatus: 500, redrivenAt: null });
      expect(d.lastError).toMatch(/^gave up after 2 attempts; last: endpoint answered HTTP 500/);
      expect(Date.parse(d.lastAttemptAt ?? '')).toBeGreaterThan(0);
    }
    expect(receiver.received).toEqual([]);

    // 2. Bad requests say what to fix; other tenants see no such job; a read-only token may not.
    const reader = (await f.mint('acme', ['jobs:read'])).token;
    const other = (await f.mint('globex')).token;
    const path = `/v1/jobs/${jobId}/deliveries:redrive`;
    expect((await http('POST', path, reader)).status).toBe(403);
    expect((await http('POST', path, other)).status).toBe(404);
    expect((await http('POST', `/v1/jobs/job_nope/deliveries:redrive`, token)).status).toBe(404);
    const badField = await http('POST', path, token, { deliveryIds: 'all' });
    expect(badField.status).toBe(400);
    expect(badField.body.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/deliveryIds: .*expected array/i),
    });
    const unknown = await http('POST', path, token, { deliveryIds: ['dlv_nope'] });
    expect(unknown.status).toBe(400);
    expect(String((unknown.body.error as { message: string }).message)).toContain(
      `dlv_nope is not a delivery of job ${jobId}`,
    );
    expect((await http('POST', path, token, '{"deliveryIds": [')).status).toBe(400);
    expect((await http('POST', path, token, 'null')).status).toBe(400);
    expect((await http('POST', path, token, { deliveryIds: [] })).status).toBe(400);
    expect((await list(token, jobId)).deadLetters).toBe(dead.items.length);

    // The CLI lists each one's last error and says how to redrive them.
    const shown = await cli(token, 'deliveries', jobId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^ID\s+EVENT\s+STATE\s+ATTEMPTS\s+LAST\s+TRIED\s+AGE\s+URL$/m);
    expect(shown.stdout).toMatch(
      new RegExp(`^${dead.items[0]!.id}\\s.*\\sdead\\s+2\\s+HTTP 500\\s`, 'm'),
    );
    expect(shown.stdout).toContain(
      `${dead.items[0]!.id} last error: gave up after 2 attempts; last: endpoint answered HTTP 500`,
    );
    expect(shown.stdout.split('\n').at(-1)).toBe(
      `${dead.items.length} dead letter(s); send them again: switchyard deliveries redrive ${jobId}`,
    );
    expect(await cli(token, 'deliveries', jobId, '--delivery', 'x')).toMatchObject({ code: 2 });

    // 3. Flip; redrive the first one alone (with the CLI): only it is sent.
    failing = false;
    const [first, ...rest] = dead.items;
    const one = await cli(token, 'deliveries', 'redrive', jobId, '--delivery', first!.id);
    expect(one).toEqual({
      code: 0,
      stdout: `redriven 1 delivery(ies) of job ${jobId}: ${first!.id}`,
      stderr: '',
    });
    await worker.runOnce();
    expect(receiver.received.map((r) => r.id)).toEqual([first!.id]);

    // 4. Two redrives of everything at once: each dead letter is put back by exactly one.
    const both = await Promise.all([http('POST', path, token), http('POST', path, token)]);
    expect(both.map((r) => r.status)).toEqual([202, 202]);
    const redriven = both.flatMap((r) => r.body.ids as string[]);
    expect(redriven.sort()).toEqual(rest.map((d) => d.id).sort());
    expect(both.reduce((n, r) => n + Number(r.body.redriven), 0)).toBe(rest.length);

    for (let pass = 0; pass < 10 && receiver.received.length < dead.items.length; pass++) {
      await worker.runOnce();
    }
    expect(receiver.received.map((r) => r.id)).toEqual(dead.items.map((d) => d.id));
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(receiver.received.map((r) => r.payload.type)).toEqual(
      dead.items.map((d) => d.eventType),
    );

    // 5. The listing shows them delivered after one new attempt each; nothing is left to redrive.
    const after = await list(token, jobId);
    expect(after.deadLetters).toBe(0);
    for (const d of after.items) {
      expect(d).toMatchObject({ state: 'delivered', attempts: 1, lastError: null });
      expect(d.redrivenAt).not.toBeNull();
      expect(d.lastAttemptAt! >= d.redrivenAt!).toBe(true);
    }
    const none = await http('POST', path, token, {});
    expect(none).toEqual({ status: 202, body: { redriven: 0, ids: [], skipped: [] } });
    const named = await http('POST', path, token, { deliveryIds: [first!.id] });
    expect(named.body).toEqual({
      redriven: 0,
      ids: [],
      skipped: [{ id: first!.id, reason: 'not a dead letter (delivered)' }],
    });
  });
});
