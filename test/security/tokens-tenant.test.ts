// Listing another tenant's tokens: the admin tenant names it (`GET /v1/tokens?tenant=X`) and may
// revoke what it sees; any other tenant naming another tenant gets 403, never a silent fallback
// to its own list.
import { describe, expect, it } from 'vitest';
import { ADMIN, createFixture } from './fixture.js';

const codeOf = (body: Record<string, unknown>) => (body.error as { code: string }).code;
const idsOf = (body: Record<string, unknown>) =>
  (body.items as Array<{ id: string; tenantId: string }>).map((t) => `${t.tenantId}/${t.id}`);

describe('GET /v1/tokens?tenant=', () => {
  it("lets the admin tenant list and revoke another tenant's tokens by naming it", async () => {
    const f = await createFixture();
    const admin = await f.mint(ADMIN);
    const acme = await f.mint('acme');
    await f.mint('globex');

    const own = await f.call('GET', '/v1/tokens', { token: admin.token });
    expect(idsOf(own.body)).toEqual([`${ADMIN}/${admin.id}`]);

    const listed = await f.call('GET', '/v1/tokens?tenant=acme', { token: admin.token });
    expect(listed.status).toBe(200);
    expect(idsOf(listed.body)).toEqual([`acme/${acme.id}`]);

    const revoked = await f.call('DELETE', `/v1/tokens/${acme.id}`, { token: admin.token });
    expect([revoked.status, revoked.body.status]).toEqual([200, 'revoked']);
    const after = await f.call('GET', '/v1/tokens?tenant=acme', { token: admin.token });
    expect((after.body.items as Array<{ status: string }>).map((t) => t.status)).toEqual([
      'revoked',
    ]);
    expect((await f.call('GET', '/v1/jobs', { token: acme.token })).status).toBe(401);
  });

  it("refuses another tenant's list to a non-admin tenant with 403, its own with 200", async () => {
    const f = await createFixture();
    const acme = await f.mint('acme');
    const globex = await f.mint('globex');
    for (const tenant of ['globex', ADMIN]) {
      const res = await f.call('GET', `/v1/tokens?tenant=${tenant}`, { token: acme.token });
      expect([res.status, codeOf(res.body)]).toEqual([403, 'FORBIDDEN']);
      expect(res.text).not.toContain(globex.id);
      expect(String((res.body.error as { message: string }).message)).toMatch(/your own/);
    }
    const own = await f.call('GET', '/v1/tokens?tenant=acme', { token: acme.token });
    expect([own.status, ...idsOf(own.body)]).toEqual([200, `acme/${acme.id}`]);
  });

  it('answers 404 for an unknown tenant and 400 for a malformed one, naming it', async () => {
    const f = await createFixture();
    const admin = await f.mint(ADMIN);
    const unknown = await f.call('GET', '/v1/tokens?tenant=nobody', { token: admin.token });
    expect([unknown.status, codeOf(unknown.body)]).toEqual([404, 'NOT_FOUND']);
    expect(unknown.text).toContain('tenant nobody');
    const bad = await f.call('GET', '/v1/tokens?tenant=Not%20A%20Tenant', { token: admin.token });
    expect([bad.status, codeOf(bad.body)]).toEqual([400, 'BAD_REQUEST']);
    expect(bad.text).toContain('tenant must be a tenant id');
  });
});
