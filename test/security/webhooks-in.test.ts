// Signed webhook submission: Standard Webhooks (signed here by the reference `standardwebhooks`
// package) and GitHub-style X-Hub-Signature-256, template filling, replays, the time window, the
// size cap before any HMAC work, and secret rotation.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createFixture, jobBody, type Fixture } from './fixture.js';

let f: Fixture;
let token: string;

const TEMPLATE = jobBody('research', {
  name: 'build',
  env: { GIT_REF: '{{payload.ref}}', DATASET: '{{ payload.dataset.path }}' },
  args: ['--ref={{payload.ref}}'],
});

async function createHook(body: Record<string, unknown> = {}) {
  const res = await f.call('POST', '/v1/hooks', {
    token,
    body: { project: 'research', template: TEMPLATE, ...body },
  });
  expect(res.status).toBe(201);
  return { id: String(res.body.id), secret: String(res.body.secret) };
}

function standardHeaders(secret: string, id: string, body: string, at = new Date(f.clock.now())) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
    'content-type': 'application/json',
  };
}

function send(hookId: string, body: string, headers: Record<string, string>) {
  return f.call('POST', `/v1/hooks/${hookId}`, { body, headers });
}

const PAYLOAD = JSON.stringify({ ref: 'refs/heads/main', dataset: { path: 's3://data/v2' } });

beforeEach(async () => {
  f = await createFixture({ maxBodyBytes: 16 * 1024 });
  token = (await f.mint('acme')).token;
});

describe('Standard Webhooks intake', () => {
  it('submits the template filled from the payload', async () => {
    const hook = await createHook();
    expect(hook.secret).toMatch(/^whsec_/);
    const res = await send(hook.id, PAYLOAD, standardHeaders(hook.secret, 'msg_1', PAYLOAD));
    expect(res.status).toBe(202);
    expect(res.body.replayed).toBe(false);
    const job = await f.call('GET', `/v1/jobs/${String(res.body.jobId)}`, { token });
    expect(job.body.spec).toMatchObject({
      project: 'research',
      env: { GIT_REF: 'refs/heads/main', DATASET: 's3://data/v2' },
      args: ['--ref=refs/heads/main'],
    });
  });

  it('never shows the secret again', async () => {
    const hook = await createHook();
    const got = await f.call('GET', `/v1/hooks/${hook.id}`, { token });
    const list = await f.call('GET', '/v1/hooks', { token });
    for (const r of [got, list]) expect(r.text).not.toContain(hook.secret.slice(6));
  });

  it('treats a replayed webhook id as the same job, and a changed body under it as 422', async () => {
    const hook = await createHook();
    const first = await send(hook.id, PAYLOAD, standardHeaders(hook.secret, 'msg_2', PAYLOAD));
    f.clock.advance(60_000);
    const again = await send(hook.id, PAYLOAD, standardHeaders(hook.secret, 'msg_2', PAYLOAD));
    expect([again.status, again.body.jobId, again.body.replayed]).toEqual([
      202,
      first.body.jobId,
      true,
    ]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = JSON.stringify({ ref: 'refs/heads/evil', dataset: { path: 'x' } });
    const changed = await send(hook.id, other, standardHeaders(hook.secret, 'msg_2', other));
    expect(changed.status).toBe(422);
    const error = changed.body.error as { code: string; message: string };
    expect(error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(error.message).toContain('webhook message id msg_2');
    expect(error.message).not.toContain('Idempotency-Key');
    const jobs = await f.call('GET', '/v1/jobs', { token });
    expect((jobs.body.items as unknown[]).length).toBe(1);
  });

  it.each([
    ['too old', -301],
    ['too far in the future', 301],
  ])('refuses a timestamp %s', async (_what, offsetSeconds) => {
    const hook = await createHook();
    const at = new Date(f.clock.now() + offsetSeconds * 1000);
    const res = await send(hook.id, PAYLOAD, standardHeaders(hook.secret, 'msg_t', PAYLOAD, at));
    expect([res.status, (res.body.error as { code: string }).code]).toEqual([
      401,
      'UNAUTHENTICATED',
    ]);
  });

  it('refuses a wrong secret, a changed body and missing headers', async () => {
    const hook = await createHook();
    const wrong = standardHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_3', PAYLOAD);
    const tampered = standardHeaders(hook.secret, 'msg_3', PAYLOAD);
    const { 'webhook-signature': _sig, ...unsigned } = tampered;
    for (const [body, headers] of [
      [PAYLOAD, wrong],
      [PAYLOAD.replace('main', 'mains'), tampered],
      [PAYLOAD, unsigned],
    ] as const) {
      const res = await send(hook.id, body, headers);
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
    }
  });

  it('accepts any one valid signature in the list, and both secrets across a rotation', async () => {
    const hook = await createHook();
    const h = standardHeaders(hook.secret, 'msg_4', PAYLOAD);
    h['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} ${h['webhook-signature']}`;
    expect((await send(hook.id, PAYLOAD, h)).status).toBe(202);

    const rotated = await f.call('POST', `/v1/hooks/${hook.id}/rotate-secret`, { token });
    const next = String(rotated.body.secret);
    expect(next).not.toBe(hook.secret);
    expect((await send(hook.id, PAYLOAD, standardHeaders(next, 'msg_5', PAYLOAD))).status).toBe(
      202,
    );
    expect(
      (await send(hook.id, PAYLOAD, standardHeaders(hook.secret, 'msg_6', PAYLOAD))).status,
    ).toBe(202);
  });

  it('refuses an oversized body before any HMAC work', async () => {
    const hook = await createHook();
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const big = JSON.stringify({ ref: 'x'.repeat(20_000) });
    const res = await send(hook.id, big, {
      'webhook-id': 'msg_big',
      'webhook-timestamp': String(Math.floor(f.clock.now() / 1000)),
      'webhook-signature': 'v1,AAAA',
      'content-type': 'application/json',
    });
    expect([res.status, (res.body.error as { code: string }).code]).toEqual([
      413,
      'PAYLOAD_TOO_LARGE',
    ]);
    expect(sign).not.toHaveBeenCalled();
    sign.mockRestore();
  });

  it('answers 400 naming what the payload lacks, or when it is not JSON', async () => {
    const hook = await createHook();
    const partial = JSON.stringify({ ref: 'main' });
    const res = await send(hook.id, partial, standardHeaders(hook.secret, 'msg_7', partial));
    expect([res.status, (res.body.error as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
    expect(res.text).toContain('payload.dataset.path');
    const notJson = 'ref=main';
    const bad = await send(hook.id, notJson, standardHeaders(hook.secret, 'msg_8', notJson));
    expect(bad.status).toBe(400);
  });

  it('cannot be steered to another project or another field by the payload', async () => {
    const hook = await createHook();
    const sneaky =
      '{"ref":"main","dataset":{"path":"x"},"project":"other","__proto__":{"polluted":true}}';
    const res = await send(hook.id, sneaky, standardHeaders(hook.secret, 'msg_9', sneaky));
    expect(res.status).toBe(202);
    const job = await f.call('GET', `/v1/jobs/${String(res.body.jobId)}`, { token });
    expect((job.body.spec as { project: string }).project).toBe('research');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 404 for an unknown hook', async () => {
    const res = await send(
      'hk_nope',
      PAYLOAD,
      standardHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'm', PAYLOAD),
    );
    expect(res.status).toBe(404);
  });
});

describe('GitHub-style intake', () => {
  function githubHeaders(secret: string, delivery: string, body: string, event = 'push') {
    return {
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      'x-github-delivery': delivery,
      'x-github-event': event,
      'content-type': 'application/json',
    };
  }

  it('verifies X-Hub-Signature-256 and treats a redelivery as the same job', async () => {
    const hook = await createHook({ scheme: 'github' });
    const first = await send(hook.id, PAYLOAD, githubHeaders(hook.secret, 'd-1', PAYLOAD));
    expect(first.status).toBe(202);
    const again = await send(hook.id, PAYLOAD, githubHeaders(hook.secret, 'd-1', PAYLOAD));
    expect([again.body.jobId, again.body.replayed]).toEqual([first.body.jobId, true]);
  });

  it('keys replays on the signed body, not the unsigned X-GitHub-Delivery', async () => {
    const hook = await createHook({ scheme: 'github' });
    const captured = githubHeaders(hook.secret, 'd-10', PAYLOAD);
    const first = await send(hook.id, PAYLOAD, captured);
    expect(first.status).toBe(202);
    // An attacker holding one captured delivery sends it again under fresh delivery ids.
    for (const id of ['d-11', 'd-12', 'd-13']) {
      f.clock.advance(600_000);
      const replay = await send(hook.id, PAYLOAD, { ...captured, 'x-github-delivery': id });
      expect([replay.status, replay.body.jobId, replay.body.replayed]).toEqual([
        202,
        first.body.jobId,
        true,
      ]);
    }
    const jobs = await f.call('GET', '/v1/jobs', { token });
    expect((jobs.body.items as unknown[]).length).toBe(1);
    // A different (signed) body is a different event.
    const other = JSON.stringify({ ref: 'refs/heads/dev', dataset: { path: 's3://data/v3' } });
    const next = await send(hook.id, other, githubHeaders(hook.secret, 'd-10', other));
    expect([next.status, next.body.replayed]).toEqual([202, false]);
    expect(next.body.jobId).not.toBe(first.body.jobId);
  });

  it('refuses a wrong or malformed signature, and a missing delivery id', async () => {
    const hook = await createHook({ scheme: 'github' });
    const good = githubHeaders(hook.secret, 'd-2', PAYLOAD);
    const { 'x-github-delivery': _d, ...noDelivery } = good;
    for (const headers of [
      githubHeaders('not-the-secret', 'd-2', PAYLOAD),
      { ...good, 'x-hub-signature-256': 'sha1=abc' },
      noDelivery,
    ]) {
      expect((await send(hook.id, PAYLOAD, headers)).status).toBe(401);
    }
  });

  it('answers a ping without submitting', async () => {
    const hook = await createHook({ scheme: 'github' });
    const res = await send(
      hook.id,
      '{"zen":"hi"}',
      githubHeaders(hook.secret, 'd-3', '{"zen":"hi"}', 'ping'),
    );
    expect([res.status, res.body.ping]).toEqual([200, true]);
  });
});

describe('hook management', () => {
  it.each([
    ['a malformed placeholder', { template: jobBody('research', { env: { A: '{{ref}}' } }) }],
    ['another project', { template: jobBody('other') }],
    ['an invalid job', { template: { name: 'x', image: 'y', resources: {}, priority: 'high' } }],
    ['an unknown field', { secret: 'whsec_mine' }],
    ['an unknown scheme', { scheme: 'hmac-md5' }],
  ])('refuses %s with 400', async (_what, body) => {
    const res = await f.call('POST', '/v1/hooks', {
      token,
      body: { project: 'research', template: TEMPLATE, ...body },
    });
    expect([res.status, (res.body.error as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('refuses a project the token may not use, and deletes', async () => {
    const limited = (await f.mint('acme', ['jobs:submit', 'jobs:read'], ['other'])).token;
    const res = await f.call('POST', '/v1/hooks', {
      token: limited,
      body: { project: 'research', template: TEMPLATE },
    });
    expect(res.status).toBe(403);
    const hook = await createHook();
    expect((await f.call('GET', `/v1/hooks/${hook.id}`, { token: limited })).status).toBe(404);
    expect((await f.call('DELETE', `/v1/hooks/${hook.id}`, { token })).status).toBe(204);
    expect((await send(hook.id, PAYLOAD, standardHeaders(hook.secret, 'm', PAYLOAD))).status).toBe(
      404,
    );
  });
});
