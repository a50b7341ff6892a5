// Secrets never come back out: once a callback secret, hook secret, token or signing key is set,
// no read returns it. Reads show that a callback secret is set and since when.
import { beforeEach, describe, expect, it } from 'vitest';
import { createFixture, jobBody, type Fixture } from './fixture.js';

let f: Fixture;
let token: string;

const SECRET = 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0';
const CALLBACK = { url: 'https://hooks.example.com/status', secret: SECRET };
const withCallback = (name: string) => jobBody('research', { name, callback: CALLBACK });

beforeEach(async () => {
  f = await createFixture();
  token = (await f.mint('acme')).token;
});

/** Every read answer: none holds the secret, each callback says it is set, and since when. */
function expectHidden(reads: Array<{ status: number; text: string }>, setAt: string) {
  for (const r of reads) {
    expect(r.status).toBeLessThan(300);
    expect(r.text).not.toContain(SECRET.slice(6));
    expect(r.text).toContain(`"secretSet":true,"secretSetAt":"${setAt}"`);
  }
}

describe('callback secrets', () => {
  it('a job shows secretSet and when, never the secret', async () => {
    const created = await f.call('POST', '/v1/jobs', { token, body: withCallback('j') });
    const id = String(created.body.id);
    const reads = [
      created,
      await f.call('GET', `/v1/jobs/${id}`, { token }),
      await f.call('GET', '/v1/jobs', { token }),
    ];
    expectHidden(reads, String(created.body.createdAt));
    expect((reads[1]!.body.spec as { callback: unknown }).callback).toEqual({
      url: CALLBACK.url,
      secretSet: true,
      secretSetAt: created.body.createdAt,
    });
  });

  it('a schedule template shows secretSet and when, never the secret', async () => {
    const body = { name: 'nightly', cron: '0 3 * * *', template: withCallback('s') };
    const created = await f.call('POST', '/v1/schedules', { token, body });
    const id = String(created.body.id);
    f.clock.advance(60_000);
    const patched = await f.call('PATCH', `/v1/schedules/${id}`, {
      token,
      body: { cron: '0 4 * * *' },
    });
    const reads = [
      created,
      patched,
      await f.call('GET', `/v1/schedules/${id}`, { token }),
      await f.call('GET', '/v1/schedules', { token }),
    ];
    expectHidden(reads, String(created.body.createdAt));
    // Setting the template again moves the time.
    f.clock.advance(60_000);
    const reset = await f.call('PATCH', `/v1/schedules/${id}`, {
      token,
      body: { template: withCallback('s2') },
    });
    expectHidden(
      [reset, await f.call('GET', `/v1/schedules/${id}`, { token })],
      String(reset.body.updatedAt),
    );
    expect(reset.body.updatedAt).not.toBe(created.body.createdAt);
  });

  it('a hook template shows secretSet and when, never the secret', async () => {
    const created = await f.call('POST', '/v1/hooks', {
      token,
      body: { project: 'research', template: withCallback('h') },
    });
    const id = String(created.body.id);
    const reads = [
      created,
      await f.call('POST', `/v1/hooks/${id}/rotate-secret`, { token }),
      await f.call('GET', `/v1/hooks/${id}`, { token }),
      await f.call('GET', '/v1/hooks', { token }),
    ];
    expectHidden(reads, String(created.body.createdAt));
  });
});

describe('hook secrets, tokens and signing keys', () => {
  it('a hook secret appears only in the answer that made it', async () => {
    const created = await f.call('POST', '/v1/hooks', {
      token,
      body: { project: 'research', template: jobBody() },
    });
    const id = String(created.body.id);
    const rotated = await f.call('POST', `/v1/hooks/${id}/rotate-secret`, { token });
    const secrets = [String(created.body.secret), String(rotated.body.secret)];
    expect(secrets[0]).toMatch(/^whsec_/);
    for (const read of [
      await f.call('GET', `/v1/hooks/${id}`, { token }),
      await f.call('GET', '/v1/hooks', { token }),
    ]) {
      for (const s of secrets) expect(read.text).not.toContain(s.slice(6));
    }
  });

  it('token lists never hold a token, signing-key lists never a private key', async () => {
    const admin = (await f.mint('admin')).token;
    const minted = await f.call('POST', '/v1/tokens', {
      token,
      body: { scopes: ['jobs:read'], projects: ['*'] },
    });
    const list = await f.call('GET', '/v1/tokens', { token });
    expect(list.text).not.toContain(String(minted.body.token));
    expect(list.text).not.toContain(token);
    const keys = await f.call('GET', '/v1/signing-keys', { token: admin });
    const rotated = await f.call('POST', '/v1/signing-keys', { token: admin });
    for (const r of [keys, rotated]) {
      expect(r.status).toBeLessThan(300);
      expect(r.text).not.toMatch(/"d"\s*:|privateJwk/);
    }
  });

  it('the OpenAPI document shows secrets only in the answers that create them', async () => {
    const doc = await f.call('GET', '/openapi.json');
    const schemas = (doc.body.components as { schemas: Record<string, unknown> }).schemas;
    const holders = Object.entries(schemas)
      .filter(([, s]) => /"(secret|token|privateJwk|d)":\{/.test(JSON.stringify(s)))
      .map(([name]) => name)
      .sort();
    // JobSubmission and MaintenancePlanBody (the upgrade webhook's secret) are request bodies: a
    // secret is set there; no answer about a job or a plan shows it again.
    expect(holders).toEqual([
      'HookWithSecret',
      'IssuedToken',
      'JobSubmission',
      'MaintenancePlanBody',
    ]);
  });
});
