// Rate limits on the signed hook intake over real HTTP (@hono/node-server on loopback): forged
// deliveries are counted in buckets of their own (per hook and per source address), so hundreds
// of them get 429 without using up the hook's allowance, and the partner's next correctly signed
// delivery is still accepted. Genuine deliveries are limited per hook after verifying.
import { serve, type ServerType } from '@hono/node-server';
import { request } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixture, jobBody, type Fixture } from './fixture.js';

const WRONG_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PAYLOAD = JSON.stringify({ ref: 'main' });

let f: Fixture;
let server: ServerType | undefined;
let port = 0;

async function start(rateLimit: { perSecond: number; burst: number }) {
  f = await createFixture({ rateLimit });
  server = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(s));
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
}

afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

async function createHook(): Promise<{ id: string; secret: string }> {
  const token = (await f.mint('acme')).token;
  const template = jobBody('research', { env: { REF: '{{payload.ref}}' } });
  const res = await f.call('POST', '/v1/hooks', { token, body: { project: 'research', template } });
  expect(res.status).toBe(201);
  return { id: String(res.body.id), secret: String(res.body.secret) };
}

function signed(secret: string, id: string): Record<string, string> {
  const at = new Date(f.clock.now());
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, PAYLOAD),
    'content-type': 'application/json',
  };
}

/** POSTs the payload to a hook over a real socket from `localAddress` (any 127/8 address). */
function post(
  hookId: string,
  headers: Record<string, string>,
  localAddress = '127.0.0.1',
): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/v1/hooks/${hookId}`,
        method: 'POST',
        localAddress,
        headers,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const body = JSON.parse(text) as { error?: { code: string } };
          resolve({
            status: res.statusCode ?? 0,
            ...(body.error ? { code: body.error.code } : {}),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(PAYLOAD);
  });
}

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

describe('forged deliveries', () => {
  it('get 429 after their own limit, and never lock the partner out', async () => {
    await start({ perSecond: 100, burst: 200 });
    const hook = await createHook();
    const forged: number[] = [];
    for (let i = 0; i < 420; i++) {
      forged.push((await post(hook.id, signed(WRONG_SECRET, `forged_${i}`))).status);
    }
    // The clock stands still: exactly the burst of failures is answered 401, the rest 429.
    expect(tally(forged)).toEqual({ 401: 200, 429: 220 });
    const last = await post(hook.id, signed(WRONG_SECRET, 'forged_last'));
    expect(last).toEqual({ status: 429, code: 'RATE_LIMITED' });

    const genuine = await post(hook.id, signed(hook.secret, 'msg_genuine'));
    expect(genuine.status).toBe(202);
  });

  it('are limited per hook even when they come from many addresses', async () => {
    await start({ perSecond: 1, burst: 20 });
    const hook = await createHook();
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      for (const from of ['127.0.0.2', '127.0.0.3']) {
        statuses.push((await post(hook.id, signed(WRONG_SECRET, `f_${from}_${i}`), from)).status);
      }
    }
    // Neither address spent its own 20, but the hook's failure bucket (20) is empty.
    expect(tally(statuses)).toEqual({ 401: 20, 429: 10 });
    expect((await post(hook.id, signed(hook.secret, 'msg_ok'), '127.0.0.4')).status).toBe(202);
  });

  it('are limited per source address across hooks (probing unknown hook ids)', async () => {
    await start({ perSecond: 1, burst: 20 });
    const hook = await createHook();
    const probes: number[] = [];
    for (let i = 0; i < 30; i++) {
      probes.push((await post(`hk_guess${i}`, signed(WRONG_SECRET, `p_${i}`), '127.0.0.5')).status);
    }
    expect(tally(probes)).toEqual({ 404: 20, 429: 10 });
    // Another address is not affected, and a genuine delivery from the prober's address still is
    // accepted: only failures are counted against an address.
    expect((await post('hk_other', signed(WRONG_SECRET, 'p'), '127.0.0.6')).status).toBe(404);
    expect((await post(hook.id, signed(hook.secret, 'msg_ok'), '127.0.0.5')).status).toBe(202);
  });
});

describe('genuine deliveries', () => {
  it('are limited per hook, after verifying', async () => {
    await start({ perSecond: 1, burst: 2 });
    const hook = await createHook();
    const other = await createHook();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await post(hook.id, signed(hook.secret, `msg_${i}`))).status);
    }
    expect(statuses).toEqual([202, 202, 429]);
    expect((await post(other.id, signed(other.secret, 'msg_x'))).status).toBe(202);
    f.clock.advance(1000);
    expect((await post(hook.id, signed(hook.secret, 'msg_later'))).status).toBe(202);
  });
});
