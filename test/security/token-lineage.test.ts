// Tokens cannot outlive or outrank the token that minted them: a minted token expires no later
// than its parent, holds no scope or project its parent lacks, and revoking a token says how many
// live tokens it minted (directly or through them) and, with ?cascade=true, revokes them too.
import * as jose from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from './fixture.js';

let f: Fixture;

beforeEach(async () => {
  f = await createFixture();
});

/** Mints through the API as `parent`; returns the answer. */
async function mintAs(parent: string, body: Record<string, unknown>) {
  return f.call('POST', '/v1/tokens', { token: parent, body });
}

const code = (r: { body: Record<string, unknown> }) => (r.body.error as { code?: string })?.code;

describe('a minted token', () => {
  it('expires no later than the token that minted it', async () => {
    const parent = await f.mint('acme', undefined, ['*'], 3600);
    const parentExp = new Date(f.clock.now() + 3600_000).toISOString();
    f.clock.advance(600_000);
    const child = await mintAs(parent.token, {
      scopes: ['jobs:read', 'tokens:admin'],
      projects: ['*'],
      ttlSeconds: 400 * 86_400,
    });
    expect(child.status).toBe(201);
    expect(child.body.expiresAt).toBe(parentExp);
    expect(jose.decodeJwt(String(child.body.token)).exp).toBe(Date.parse(parentExp) / 1000);
    expect(child.body.mintedBy).toBe(parent.id);
    // The default lifetime (30 days) is capped the same way, and so is a grandchild.
    const byDefault = await mintAs(parent.token, { scopes: ['jobs:read'], projects: ['*'] });
    const grandchild = await mintAs(String(child.body.token), {
      scopes: ['jobs:read'],
      projects: ['*'],
    });
    expect([byDefault.body.expiresAt, grandchild.body.expiresAt]).toEqual([parentExp, parentExp]);
    // A shorter lifetime stays as asked.
    const short = await mintAs(parent.token, {
      scopes: ['jobs:read'],
      projects: ['*'],
      ttlSeconds: 60,
    });
    expect(short.body.expiresAt).toBe(new Date(f.clock.now() + 60_000).toISOString());
    // Once the parent has expired, so has the child.
    f.clock.set(Date.parse(parentExp));
    const late = await f.call('GET', '/v1/jobs', { token: String(child.body.token) });
    expect([late.status, code(late)]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('holds no scope or project its parent lacks', async () => {
    const parent = await f.mint('acme', ['tokens:admin', 'jobs:read'], ['research', 'etl']);
    for (const body of [
      { scopes: ['jobs:read', 'jobs:cancel'], projects: ['research'] },
      { scopes: ['jobs:read'], projects: ['research', 'other'] },
      { scopes: ['jobs:read'], projects: ['*'] },
    ]) {
      const res = await mintAs(parent.token, body);
      expect([res.status, code(res)]).toEqual([403, 'FORBIDDEN']);
    }
    const ok = await mintAs(parent.token, { scopes: ['jobs:read'], projects: ['etl'] });
    expect([ok.status, ok.body.scopes, ok.body.projects]).toEqual([201, ['jobs:read'], ['etl']]);
  });
});

describe('revoking a token that minted others', () => {
  async function family() {
    const root = await f.mint('acme');
    const child = await mintAs(root.token, {
      scopes: ['jobs:read', 'tokens:admin'],
      projects: ['*'],
    });
    const grandchild = await mintAs(String(child.body.token), {
      scopes: ['jobs:read'],
      projects: ['*'],
    });
    const unrelated = await f.mint('acme', ['jobs:read']);
    const admin = (await f.mint('acme', ['tokens:admin'])).token;
    return {
      root,
      admin,
      tokens: [String(child.body.token), String(grandchild.body.token)],
      unrelated: unrelated.token,
    };
  }

  const works = async (token: string) => (await f.call('GET', '/v1/jobs', { token })).status;

  it('says how many live tokens it minted, and leaves them live', async () => {
    const { root, admin, tokens } = await family();
    const res = await f.call('DELETE', `/v1/tokens/${root.id}`, { token: admin });
    expect([res.status, res.body.status, res.body.minted]).toEqual([
      200,
      'revoked',
      { live: 2, revoked: 0 },
    ]);
    expect(await Promise.all(tokens.map(works))).toEqual([200, 200]);
  });

  it('with ?cascade=true revokes them as well, and nothing else', async () => {
    const { root, admin, tokens, unrelated } = await family();
    const res = await f.call('DELETE', `/v1/tokens/${root.id}?cascade=true`, { token: admin });
    expect([res.status, res.body.minted]).toEqual([200, { live: 0, revoked: 2 }]);
    expect(await Promise.all(tokens.map(works))).toEqual([401, 401]);
    expect(await works(unrelated)).toBe(200);
    // Revoking again finds nothing left.
    const again = await f.call('DELETE', `/v1/tokens/${root.id}?cascade=true`, { token: admin });
    expect(again.body.minted).toEqual({ live: 0, revoked: 0 });
  });

  it('refuses a cascade value that is not true or false with 400 naming it', async () => {
    const { root, admin } = await family();
    const res = await f.call('DELETE', `/v1/tokens/${root.id}?cascade=yes`, { token: admin });
    expect([res.status, code(res)]).toEqual([400, 'BAD_REQUEST']);
    expect(res.text).toContain('cascade');
    expect(await works(root.token)).toBe(200);
  });
});
