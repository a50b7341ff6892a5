// Partner tokens: JWKS, rotation with overlap, retirement, ES256 and the algorithm allow-list,
// revocation at once (also across instances), listing without tokens, the unknown-kid cooldown.
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenService, KEYS_SETTING, type StoredKey } from '../../shared/auth/tokens.js';
import type { AppError } from '../../shared/base/errors.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { AUDIENCE, createFixture, foreignToken, ISSUER, type Fixture } from './fixture.js';
import { claims } from './tokens-helpers.js';

async function adminOf(f: Fixture) {
  return (await f.mint('admin')).token;
}

function kidOf(token: string): string {
  return String(jose.decodeProtectedHeader(token).kid);
}

describe('JWKS and rotation', () => {
  it('publishes public keys only, with kid, alg and use', async () => {
    const f = await createFixture();
    await f.mint('acme');
    const res = await f.call('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    const keys = res.body.keys as Array<Record<string, unknown>>;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('signs with the new key after a rotation while old tokens keep verifying until retired', async () => {
    const f = await createFixture();
    const admin = await adminOf(f);
    const old = await f.mint('acme');
    expect((await f.call('GET', '/v1/jobs', { token: old.token })).status).toBe(200);

    const rotated = await f.call('POST', '/v1/signing-keys', {
      token: admin,
      body: { alg: 'ES256' },
    });
    expect(rotated.status).toBe(201);
    const newKid = String(rotated.body.kid);
    const fresh = await f.mint('acme');
    expect(kidOf(fresh.token)).toBe(newKid);
    expect(jose.decodeProtectedHeader(fresh.token).alg).toBe('ES256');
    expect(kidOf(old.token)).not.toBe(newKid);

    const jwks = await f.call('GET', '/.well-known/jwks.json');
    expect((jwks.body.keys as Array<{ kid: string }>).map((k) => k.kid)).toEqual([
      newKid,
      kidOf(old.token),
    ]);
    for (const t of [old.token, fresh.token]) {
      expect((await f.call('GET', '/v1/jobs', { token: t })).status).toBe(200);
    }

    const signingGone = await f.call('DELETE', `/v1/signing-keys/${newKid}`, { token: admin });
    expect([signingGone.status, (signingGone.body.error as { code: string }).code]).toEqual([
      409,
      'CONFLICT',
    ]);

    const retired = await f.call('DELETE', `/v1/signing-keys/${kidOf(old.token)}`, {
      token: admin,
    });
    expect(retired.status).toBe(200);
    // The admin token was signed by the retired key too; a fresh one is needed from here on.
    expect((await f.call('GET', '/v1/jobs', { token: old.token })).status).toBe(401);
    expect((await f.call('GET', '/v1/jobs', { token: fresh.token })).status).toBe(200);
    expect(((await f.call('GET', '/.well-known/jwks.json')).body.keys as unknown[]).length).toBe(1);
  });

  it('sees a rotation made by another instance through one unknown-kid reload', async () => {
    const f = await createFixture();
    await f.mint('acme');
    const other = createTokenService({
      store: f.store,
      clock: f.clock,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await other.rotate();
    const { token } = await other.issue({
      tenantId: 'acme',
      scopes: ['jobs:read'],
      projects: ['*'],
      ttlSeconds: 600,
      description: '',
    });
    expect((await f.call('GET', '/v1/jobs', { token })).status).toBe(200);
  });
});

describe('concurrent key changes', () => {
  it('two instances rotating at once both keep their keys, and a retirement never revives one', async () => {
    const f = await createFixture();
    await f.mint('acme');
    // Reads that take a while, so that both instances read the ring before either writes it.
    const slow = {
      ...f.store,
      settings: {
        ...f.store.settings,
        get: async <T>(key: string) => {
          const value = await f.store.settings.get<T>(key);
          await new Promise((r) => setTimeout(r, 20));
          return value;
        },
      },
    };
    const instance = () =>
      createTokenService({ store: slow, clock: f.clock, issuer: ISSUER, audience: AUDIENCE });
    const [a, b] = [instance(), instance()];
    const [ka, kb] = await Promise.all([a.rotate(), b.rotate()]);
    const ring = (await f.store.settings.get<StoredKey[]>(KEYS_SETTING))!.map((k) => k.kid);
    expect(ring).toHaveLength(3);
    expect(ring).toEqual(expect.arrayContaining([ka, kb]));
    // A rotation racing a retirement: both take effect.
    const retired = ring[2]!;
    const [kc] = await Promise.all([a.rotate(), b.retire(retired)]);
    const after = (await f.store.settings.get<StoredKey[]>(KEYS_SETTING))!.map((k) => k.kid);
    expect(after).toHaveLength(3);
    expect(after[0]).toBe(kc);
    expect(after).not.toContain(retired);
  });
});

describe('algorithm allow-list', () => {
  it('refuses ES256 tokens when only EdDSA is allowed, even signed by a ring key', async () => {
    const f = await createFixture();
    const es = createTokenService({
      store: f.store,
      clock: f.clock,
      issuer: ISSUER,
      audience: AUDIENCE,
      signingAlg: 'ES256',
    });
    await f.store.tenants.create({ id: 'acme', name: 'acme', createdAt: '2030-01-01T00:00:00Z' });
    const { token } = await es.issue({
      tenantId: 'acme',
      scopes: ['jobs:read'],
      projects: ['*'],
      ttlSeconds: 600,
      description: '',
    });
    expect(jose.decodeProtectedHeader(token).alg).toBe('ES256');
    expect(await es.verify(token)).toMatchObject({ tenantId: 'acme' });
    const edOnly = createTokenService({
      store: f.store,
      clock: f.clock,
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['EdDSA'],
    });
    await expect(edOnly.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses to be configured to sign with an algorithm it does not accept', () => {
    const f = { store: undefined as never, clock: { now: () => 0 } };
    expect(() =>
      createTokenService({
        ...f,
        issuer: 'i',
        audience: 'a',
        algorithms: ['EdDSA'],
        signingAlg: 'ES256',
      }),
    ).toThrow(/allow-list/);
  });
});

describe('revocation', () => {
  it('is effective at once, although the token was cached', async () => {
    const f = await createFixture();
    const admin = (await f.mint('acme')).token;
    const victim = await f.mint('acme', ['jobs:read']);
    expect((await f.call('GET', '/v1/jobs', { token: victim.token })).status).toBe(200);
    const res = await f.call('DELETE', `/v1/tokens/${victim.id}`, { token: admin });
    expect([res.status, res.body.status]).toEqual([200, 'revoked']);
    expect((await f.call('GET', '/v1/jobs', { token: victim.token })).status).toBe(401);
    // Revoking again is a no-op.
    expect((await f.call('DELETE', `/v1/tokens/${victim.id}`, { token: admin })).status).toBe(200);
  });

  it('is effective at once when another instance revokes', async () => {
    const f = await createFixture();
    const victim = await f.mint('acme', ['jobs:read']);
    expect((await f.call('GET', '/v1/jobs', { token: victim.token })).status).toBe(200);
    const record = (await f.store.tokens.get(victim.id))!;
    await f.store.tokens.put({ ...record, revokedAt: '2030-01-01T00:00:00Z' });
    expect((await f.call('GET', '/v1/jobs', { token: victim.token })).status).toBe(401);
  });

  it('shares record reads between concurrent requests, but never one that began before a request', async () => {
    const clock = { now: () => Date.parse('2030-01-01T00:00:00Z') };
    const store = createMemoryStore({ clock });
    // A token record read that has taken its snapshot and is still on its way back.
    let reads = 0;
    let gated = false;
    const gates: Array<() => void> = [];
    const slowStore = {
      ...store,
      tokens: {
        ...store.tokens,
        get: async (id: string) => {
          reads++;
          const record = await store.tokens.get(id);
          if (gated) await new Promise<void>((open) => gates.push(open));
          return record;
        },
      },
    };
    const service = createTokenService({
      store: slowStore,
      clock,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const { token, record } = await service.issue({
      tenantId: 'acme',
      scopes: ['jobs:read'],
      projects: [],
      ttlSeconds: 3600,
      description: 'shared reads',
    });
    await service.verify(token);
    gated = true;
    reads = 0;
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: AppError) => e.code,
      );
    const openNext = async () => {
      while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
      gates.shift()!();
    };

    const first = outcome(service.verify(token));
    while (reads < 1) await new Promise((r) => setTimeout(r, 1)); // its read has begun
    const beforeRevocation = outcome(service.verify(token)); // waits for the next read
    await new Promise((r) => setTimeout(r, 5));
    await store.tokens.put({ ...record, revokedAt: '2030-01-01T00:00:00Z' });
    const afterRevocation = outcome(service.verify(token)); // shares that next read
    await openNext();
    expect(await first).toBe('ok'); // its read began before the revocation
    await openNext();
    expect(await afterRevocation).toBe('UNAUTHENTICATED');
    expect(await beforeRevocation).toBe('UNAUTHENTICATED');
    expect(reads).toBe(2);
  });

  it("answers 404 for another tenant's token id", async () => {
    const f = await createFixture();
    const theirs = await f.mint('globex');
    const res = await f.call('DELETE', `/v1/tokens/${theirs.id}`, {
      token: (await f.mint('acme')).token,
    });
    expect(res.status).toBe(404);
    expect((await f.call('GET', '/v1/jobs', { token: theirs.token })).status).toBe(200);
  });
});

describe('issuing and listing', () => {
  it('shows the token once, and the list never', async () => {
    const f = await createFixture();
    const admin = (await f.mint('acme')).token;
    const issued = await f.call('POST', '/v1/tokens', {
      token: admin,
      body: { scopes: ['jobs:read'], projects: ['research'], ttlSeconds: 3600, description: 'ci' },
    });
    expect(issued.status).toBe(201);
    expect(String(issued.body.token)).toMatch(/^eyJ/);
    expect(issued.body).toMatchObject({
      scopes: ['jobs:read'],
      projects: ['research'],
      status: 'active',
    });
    const list = await f.call('GET', '/v1/tokens', { token: admin });
    expect(list.status).toBe(200);
    expect((list.body.items as unknown[]).length).toBe(2);
    expect(list.text).not.toContain('eyJ');
    expect(list.text).not.toContain(String(issued.body.token));
  });

  it('refuses lifetimes past the maximum and unknown scopes', async () => {
    const f = await createFixture();
    const admin = (await f.mint('acme')).token;
    for (const body of [
      { scopes: ['jobs:read'], projects: ['*'], ttlSeconds: 401 * 86_400 },
      { scopes: ['jobs:everything'], projects: ['*'] },
      { scopes: [], projects: ['*'] },
    ]) {
      const res = await f.call('POST', '/v1/tokens', { token: admin, body });
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
    }
  });
});

describe('unknown kid', () => {
  it('reloads the key ring at most once per cooldown', async () => {
    const f = await createFixture({
      tokens: { keyReloadCooldownMs: 30_000, keyRingTtlMs: 3_600_000 },
    });
    const live = await f.mint('acme');
    let reads = 0;
    const get = f.store.settings.get.bind(f.store.settings);
    f.store.settings.get = (async (key: string) => {
      if (key === KEYS_SETTING) reads++;
      return get(key);
    }) as typeof f.store.settings.get;

    const forged = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        foreignToken('EdDSA', { kid: `unknown-${i}`, typ: 'at+jwt' }, claims(f, 'acme', live.id)),
      ),
    );
    for (const t of forged)
      expect((await f.call('GET', '/v1/jobs', { token: t })).status).toBe(401);
    expect(reads).toBe(1);
    f.clock.advance(30_000);
    for (const t of forged)
      expect((await f.call('GET', '/v1/jobs', { token: t })).status).toBe(401);
    expect(reads).toBe(2);
    const ring = await f.store.settings.get<StoredKey[]>(KEYS_SETTING);
    expect(ring).toHaveLength(1);
  });
});
