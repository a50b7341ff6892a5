// Every endpoint, from one table, against: no token, broken tokens (expired, revoked, wrong
// audience, issuer, type or algorithm, unknown key, key-pointing headers, too old), another
// tenant's token, a token missing the scope, and a token of the same tenant limited to another
// project (the cells in auth-matrix-projects.ts). A route without a row fails the first test.
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SCOPES, type Scope } from '../../shared/domain/principal.js';
import { CELLS_FOR, OTHER_PROJECT, RESEARCH_BODY } from './auth-matrix-projects.js';
import { createFixture, foreignToken, jobBody, type Fixture } from './fixture.js';
import {
  algConfusionToken,
  claims,
  serverKey,
  signWithServerKey,
  unsignedToken,
} from './tokens-helpers.js';

type Isolation =
  | 'public' // no token needed
  | 'signed' // authenticated by a webhook signature
  | 'owned' // one tenant's resource: another tenant gets 404
  | 'list' // another tenant sees only its own
  | 'create' // acts in the caller's own tenant
  | 'global' // platform-wide (clusters): same for every tenant with the scope
  | 'counts' // platform-wide items whose counts are the caller's own jobs only
  | 'admin-only' // the admin tenant's alone: other tenants get 403
  | 'self'; // describes the calling token's own tenant

interface Row {
  route: string;
  /** Required scope; `null`: any valid token. */
  scope?: Scope | null;
  isolation: Isolation;
}

const ROWS: Row[] = [
  { route: 'GET /healthz', isolation: 'public' },
  { route: 'GET /.well-known/jwks.json', isolation: 'public' },
  { route: 'GET /metrics', scope: 'metrics:read', isolation: 'global' },
  { route: 'GET /openapi.json', isolation: 'public' },
  { route: 'POST /v1/:op{jobs:explain}', scope: 'jobs:submit', isolation: 'create' },
  { route: 'POST /v1/jobs', scope: 'jobs:submit', isolation: 'create' },
  { route: 'GET /v1/jobs', scope: 'jobs:read', isolation: 'list' },
  { route: 'GET /v1/jobs/:id', scope: 'jobs:read', isolation: 'owned' },
  { route: 'POST /v1/jobs/:id/cancel', scope: 'jobs:cancel', isolation: 'owned' },
  { route: 'GET /v1/jobs/:id/deliveries', scope: 'jobs:read', isolation: 'owned' },
  {
    route: 'POST /v1/jobs/:id/:op{deliveries:redrive}',
    scope: 'jobs:submit',
    isolation: 'owned',
  },
  { route: 'GET /v1/jobs/:id/logs', scope: 'jobs:read', isolation: 'owned' },
  { route: 'POST /v1/tokens', scope: 'tokens:admin', isolation: 'create' },
  { route: 'GET /v1/tokens', scope: 'tokens:admin', isolation: 'list' },
  { route: 'DELETE /v1/tokens/:id', scope: 'tokens:admin', isolation: 'owned' },
  { route: 'GET /v1/signing-keys', scope: 'tokens:admin', isolation: 'admin-only' },
  { route: 'POST /v1/signing-keys', scope: 'tokens:admin', isolation: 'admin-only' },
  { route: 'DELETE /v1/signing-keys/:kid', scope: 'tokens:admin', isolation: 'admin-only' },
  { route: 'POST /v1/hooks', scope: 'jobs:submit', isolation: 'create' },
  { route: 'GET /v1/hooks', scope: 'jobs:read', isolation: 'list' },
  { route: 'GET /v1/hooks/:id', scope: 'jobs:read', isolation: 'owned' },
  { route: 'DELETE /v1/hooks/:id', scope: 'jobs:submit', isolation: 'owned' },
  { route: 'POST /v1/hooks/:id/rotate-secret', scope: 'jobs:submit', isolation: 'owned' },
  { route: 'POST /v1/hooks/:id', isolation: 'signed' },
  { route: 'GET /v1/clusters', scope: 'jobs:read', isolation: 'global' },
  { route: 'GET /v1/clusters/:id', scope: 'jobs:read', isolation: 'global' },
  { route: 'GET /v1/queues', scope: 'jobs:read', isolation: 'counts' },
  { route: 'GET /v1/usage', scope: 'jobs:read', isolation: 'list' },
  { route: 'GET /v1/whoami', scope: null, isolation: 'self' },
  { route: 'PUT /v1/clusters/:id', scope: 'clusters:admin', isolation: 'global' },
  { route: 'POST /v1/clusters/:id/cordon', scope: 'clusters:admin', isolation: 'global' },
  { route: 'POST /v1/clusters/:id/uncordon', scope: 'clusters:admin', isolation: 'global' },
  { route: 'POST /v1/clusters/:id/drain', scope: 'clusters:admin', isolation: 'global' },
  { route: 'GET /v1/maintenance', scope: 'clusters:admin', isolation: 'global' },
  { route: 'POST /v1/maintenance', scope: 'clusters:admin', isolation: 'global' },
  { route: 'GET /v1/maintenance/:id', scope: 'clusters:admin', isolation: 'global' },
  ...(['pause', 'resume', 'cancel'] as const).map((action): Row => ({
    route: `POST /v1/maintenance/:id{mnt_[0-9a-z]+:${action}}`,
    scope: 'clusters:admin',
    isolation: 'global',
  })),
  {
    route: 'POST /v1/maintenance/:id/clusters/:cluster/done',
    scope: 'clusters:admin',
    isolation: 'global',
  },
  { route: 'POST /v1/drainer/claim', scope: 'drainer', isolation: 'global' },
  { route: 'POST /v1/drainer/report', scope: 'drainer', isolation: 'global' },
  { route: 'POST /v1/drainer/heartbeat', scope: 'drainer', isolation: 'global' },
  { route: 'POST /v1/drainer/logs', scope: 'drainer', isolation: 'global' },
  { route: 'POST /v1/drainer/log-positions', scope: 'drainer', isolation: 'global' },
  { route: 'POST /v1/drainer/expected', scope: 'drainer', isolation: 'global' },
  { route: 'POST /v1/drainer/lease', scope: 'drainer', isolation: 'global' },
  { route: 'POST /v1/drainer/settle', scope: 'drainer', isolation: 'global' },
  { route: 'GET /v1/policy', scope: 'policy:admin', isolation: 'global' },
  { route: 'GET /', isolation: 'public' },
  { route: 'GET /dashboard.css', isolation: 'public' },
  { route: 'GET /dashboard.js', isolation: 'public' },
  { route: 'GET /docs/errors', isolation: 'public' },
  { route: 'PUT /v1/policy', scope: 'policy:admin', isolation: 'global' },
  { route: 'GET /v1/policy/history', scope: 'policy:admin', isolation: 'global' },
  { route: 'GET /v1/policy/versions/:version', scope: 'policy:admin', isolation: 'global' },
  { route: 'GET /v1/policy/diff', scope: 'policy:admin', isolation: 'global' },
  { route: 'POST /v1/:op{policy:rollback}', scope: 'policy:admin', isolation: 'global' },
  { route: 'POST /v1/:op{policy:simulate}', scope: 'policy:admin', isolation: 'global' },
  { route: 'POST /v1/schedules', scope: 'schedules:write', isolation: 'create' },
  { route: 'GET /v1/schedules', scope: 'jobs:read', isolation: 'list' },
  { route: 'GET /v1/schedules/:id', scope: 'jobs:read', isolation: 'owned' },
  { route: 'PATCH /v1/schedules/:id', scope: 'schedules:write', isolation: 'owned' },
  { route: 'DELETE /v1/schedules/:id', scope: 'schedules:write', isolation: 'owned' },
];

let f: Fixture;
let acme: string;
let globex: string;
/** acme, every scope, limited to project `other` (the fixtures live in `research`). */
let otherProject: string;
const ids = { job: '', hook: '', token: '', schedule: '', kid: '' };
const bad: Record<string, string | undefined> = {};
let fetchSpy: ReturnType<typeof vi.spyOn>;

function split(route: string): [string, string] {
  const [method, path] = route.split(' ') as [string, string];
  const concrete = path
    .replace('/:op{jobs:explain}', '/jobs:explain')
    .replace('/:op{deliveries:redrive}', '/deliveries:redrive')
    .replace('/:op{policy:rollback}', '/policy:rollback')
    .replace('/:op{policy:simulate}', '/policy:simulate')
    .replace(':version', '1')
    .replace(/^\/v1\/jobs\/:id/, `/v1/jobs/${ids.job}`)
    .replace(/^\/v1\/tokens\/:id/, `/v1/tokens/${ids.token}`)
    .replace(/^\/v1\/hooks\/:id/, `/v1/hooks/${ids.hook}`)
    .replace(/^\/v1\/schedules\/:id/, `/v1/schedules/${ids.schedule}`)
    .replace(/^\/v1\/clusters\/:id/, '/v1/clusters/sim-one')
    .replace(/^\/v1\/maintenance\/:id\{[^}]*:(\w+)\}/, '/v1/maintenance/mnt_none:$1')
    .replace(/^\/v1\/maintenance\/:id/, '/v1/maintenance/mnt_none')
    .replace(':cluster', 'sim-one')
    .replace(':kid', ids.kid);
  return [method, concrete];
}

/** A body good enough to get past parsing to the scope check. */
function bodyFor(method: string): unknown {
  return method === 'GET' || method === 'DELETE' ? undefined : {};
}

beforeAll(async () => {
  f = await createFixture();
  acme = (await f.mint('acme')).token;
  globex = (await f.mint('globex')).token;
  otherProject = (await f.mint('acme', SCOPES, ['other'])).token;
  const job = await f.call('POST', '/v1/jobs', { token: acme, body: jobBody() });
  ids.job = String(job.body.id);
  const hook = await f.call('POST', '/v1/hooks', {
    token: acme,
    body: {
      project: 'research',
      template: jobBody('research', { env: { REF: '{{payload.ref}}' } }),
    },
  });
  ids.hook = String(hook.body.id);
  const schedule = await f.call('POST', '/v1/schedules', {
    token: acme,
    body: { name: 'nightly', cron: '0 3 * * *', template: jobBody() },
  });
  ids.schedule = String(schedule.body.id);
  ids.token = (await f.mint('acme', ['jobs:read'])).id;
  ids.kid = (await serverKey(f)).kid;
  expect([job.status, hook.status, schedule.status]).toEqual([202, 201, 201]);

  // Broken tokens, each wrong in one way. The record behind them exists and is live.
  const live = await f.mint('acme', ['jobs:read'], ['*']);
  const revoked = await f.mint('acme');
  await f.call('DELETE', `/v1/tokens/${revoked.id}`, { token: acme });
  const c = (over: Record<string, unknown> = {}) => claims(f, 'acme', live.id, over);
  const nowS = Math.floor(f.clock.now() / 1000);
  bad['no token'] = undefined;
  bad['not a JWT'] = 'not-a-jwt';
  bad['revoked'] = revoked.token;
  bad['expired'] = await signWithServerKey(f, c({ iat: nowS - 7200, exp: nowS - 3600 }));
  bad['wrong audience'] = await signWithServerKey(f, c({ aud: 'someone-else' }));
  bad['wrong issuer'] = await signWithServerKey(f, c({ iss: 'https://evil.example' }));
  bad['wrong typ'] = await signWithServerKey(f, c(), { typ: 'JWT' });
  bad['no exp'] = await signWithServerKey(f, c({ exp: undefined }));
  bad['too old'] = await signWithServerKey(f, c({ iat: nowS - 500 * 86_400 }));
  bad['tenant not the record’s'] = await signWithServerKey(f, c({ tenant: 'globex' }));
  bad['HS256 with the public key'] = await algConfusionToken(f, c());
  bad['alg none'] = await unsignedToken(f, c());
  bad['ES384 with a known kid'] = await foreignToken('ES384', { kid: ids.kid, typ: 'at+jwt' }, c());
  bad['RS256 with a known kid'] = await foreignToken('RS256', { kid: ids.kid, typ: 'at+jwt' }, c());
  bad['unknown kid'] = await foreignToken('EdDSA', { kid: 'nope', typ: 'at+jwt' }, c());
  bad['ES256 with a known EdDSA kid'] = await foreignToken(
    'ES256',
    { kid: ids.kid, typ: 'at+jwt' },
    c(),
  );
  bad['jku header'] = await foreignToken(
    'EdDSA',
    { kid: 'x', jku: 'http://127.0.0.1:1/jwks', typ: 'at+jwt' },
    c(),
  );
  const { publicKey } = await jose.generateKeyPair('EdDSA', { extractable: true });
  bad['embedded jwk header'] = await foreignToken(
    'EdDSA',
    { jwk: await jose.exportJWK(publicKey), typ: 'at+jwt' },
    c(),
  );
  // Control: the same claims, correctly signed, are accepted, so each variant fails for its flaw.
  const control = await f.call('GET', '/v1/jobs', { token: await signWithServerKey(f, c()) });
  expect(control.status).toBe(200);
  fetchSpy = vi.spyOn(globalThis, 'fetch');
});

afterAll(() => fetchSpy.mockRestore());

describe('the endpoint table', () => {
  it('has exactly one row per route the app serves', () => {
    const served = f.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`);
    expect([...new Set(served)].sort()).toEqual(ROWS.map((r) => r.route).sort());
  });

  it('agrees with the scope and security each route declares in /openapi.json', async () => {
    const doc = await f.call('GET', '/openapi.json');
    const paths = doc.body.paths as Record<string, Record<string, Record<string, unknown>>>;
    for (const row of ROWS) {
      const [method, path] = row.route.split(' ') as [string, string];
      const op =
        paths[
          path
            .replace(/\/:(\w+)\{[^}]*\[[^}]*:(\w+)\}/, '/{$1}:$2')
            .replace(/\/:op\{([\w:]+)\}/, '/$1')
            .replace(/\/:(\w+)/g, '/{$1}')
        ]?.[method.toLowerCase()];
      const security = (op?.security as Array<Record<string, unknown>> | undefined)?.flatMap(
        Object.keys,
      );
      expect({ route: row.route, scope: op?.['x-required-scope'], security }).toEqual({
        route: row.route,
        scope: row.scope ?? null,
        security:
          row.isolation === 'public'
            ? []
            : row.isolation === 'signed'
              ? ['standardWebhooks', 'githubSignature']
              : ['bearer'],
      });
    }
  });
});

describe('the same-tenant, other-project column', () => {
  it('has a cell for every route and no other, and the cell fits the route', () => {
    expect(Object.keys(OTHER_PROJECT).sort()).toEqual(ROWS.map((r) => r.route).sort());
    for (const row of ROWS) {
      expect({ route: row.route, cell: OTHER_PROJECT[row.route] }).toEqual({
        route: row.route,
        cell: expect.toBeOneOf(CELLS_FOR[row.isolation] ?? []),
      });
    }
  });
});

describe.each(ROWS.filter((r) => r.isolation !== 'public' && r.isolation !== 'signed'))(
  '$route',
  (row) => {
    it('refuses every missing or broken token with 401 UNAUTHENTICATED', async () => {
      const [method, path] = split(row.route);
      for (const [what, token] of Object.entries(bad)) {
        const res = await f.call(method, path, { token, body: bodyFor(method) });
        expect({
          what,
          status: res.status,
          code: (res.body.error as { code?: string })?.code,
        }).toEqual({
          what,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
    });

    if (typeof row.scope === 'string')
      it('refuses a token missing the scope with 403', async () => {
        const [method, path] = split(row.route);
        const { token } = await f.mint(
          'acme',
          SCOPES.filter((s) => s !== row.scope),
        );
        const res = await f.call(method, path, { token, body: bodyFor(method) });
        expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, 'FORBIDDEN']);
        expect(JSON.stringify(res.body)).toContain(row.scope!);
      });

    if (row.isolation === 'owned')
      it("answers 404 to another tenant's token", async () => {
        const [method, path] = split(row.route);
        const res = await f.call(method, path, { token: globex, body: bodyFor(method) });
        expect([res.status, (res.body.error as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
      });

    if (row.isolation === 'list')
      it("shows another tenant none of this tenant's items", async () => {
        const [method, path] = split(row.route);
        const theirs = await f.call(method, path, { token: globex });
        const mine = await f.call(method, path, { token: acme });
        expect([theirs.status, mine.status]).toEqual([200, 200]);
        const mineIds = (mine.body.items as Array<{ id: string }>).map((i) => i.id);
        expect(mineIds.length).toBeGreaterThan(0);
        for (const id of mineIds) expect(theirs.text).not.toContain(id);
      });

    if (row.isolation === 'counts')
      it("counts none of this tenant's jobs for another tenant", async () => {
        const [method, path] = split(row.route);
        const total = (body: Record<string, unknown>) =>
          (body.items as Array<{ waiting: number; started: number }>).reduce(
            (n, q) => n + q.waiting + q.started,
            Number(body.pending),
          );
        const theirs = await f.call(method, path, { token: globex });
        const mine = await f.call(method, path, { token: acme });
        expect([theirs.status, mine.status]).toEqual([200, 200]);
        expect(total(mine.body)).toBeGreaterThan(0);
        expect(total(theirs.body)).toBe(0);
      });

    if (row.isolation === 'self')
      it("tells each tenant's token about its own tenant only", async () => {
        const [method, path] = split(row.route);
        const theirs = await f.call(method, path, { token: globex });
        const mine = await f.call(method, path, { token: acme });
        expect([theirs.body.tenantId, mine.body.tenantId]).toEqual(['globex', 'acme']);
        expect(theirs.text).not.toContain('acme');
      });

    if (row.isolation === 'admin-only')
      it('refuses a non-admin tenant with every scope', async () => {
        const [method, path] = split(row.route);
        const res = await f.call(method, path, { token: acme, body: bodyFor(method) });
        expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, 'FORBIDDEN']);
      });

    if (OTHER_PROJECT[row.route] === 'not-found')
      it('answers 404 to a token of the same tenant limited to another project', async () => {
        const [method, path] = split(row.route);
        const res = await f.call(method, path, { token: otherProject, body: bodyFor(method) });
        expect([res.status, (res.body.error as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
      });

    if (OTHER_PROJECT[row.route] === 'absent' && row.isolation === 'list')
      it("shows a token limited to another project none of this project's items", async () => {
        const [method, path] = split(row.route);
        const theirs = await f.call(method, path, { token: otherProject });
        const mine = await f.call(method, path, { token: acme });
        expect([theirs.status, mine.status]).toEqual([200, 200]);
        const mineIds = (mine.body.items as Array<{ id: string }>).map((i) => i.id);
        expect(mineIds.length).toBeGreaterThan(0);
        for (const id of mineIds) expect(theirs.text).not.toContain(id);
      });

    if (OTHER_PROJECT[row.route] === 'absent' && row.isolation === 'counts')
      it("counts none of this project's jobs for a token limited to another project", async () => {
        const [method, path] = split(row.route);
        const total = (body: Record<string, unknown>) =>
          (body.items as Array<{ waiting: number; started: number }>).reduce(
            (n, q) => n + q.waiting + q.started,
            Number(body.pending),
          );
        const theirs = await f.call(method, path, { token: otherProject });
        const mine = await f.call(method, path, { token: acme });
        expect([theirs.status, mine.status]).toEqual([200, 200]);
        expect(total(mine.body)).toBeGreaterThan(0);
        expect(total(theirs.body)).toBe(0);
      });

    if (OTHER_PROJECT[row.route] === 'refused')
      it('refuses a token limited to another project acting in this one with 403', async () => {
        const [method, path] = split(row.route);
        const res = await f.call(method, path, {
          token: otherProject,
          body: RESEARCH_BODY[row.route],
        });
        expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, 'FORBIDDEN']);
        expect(res.text).toContain('research');
      });

    if (OTHER_PROJECT[row.route] === 'tenant-wide' && row.route.startsWith('GET'))
      it("serves a token limited to another project its tenant's records", async () => {
        const [method, path] = split(row.route);
        const res = await f.call(method, path, { token: otherProject });
        expect(res.status).toBe(200);
        expect(res.text).toContain(ids.token);
      });

    if (row.isolation === 'owned' && row.route.startsWith('GET'))
      it('serves the owner', async () => {
        const [method, path] = split(row.route);
        expect((await f.call(method, path, { token: acme })).status).toBe(200);
      });
  },
);

describe('signed hook intake', () => {
  it('ignores bearer tokens and needs a signature', async () => {
    const [method, path] = split('POST /v1/hooks/:id');
    for (const token of [undefined, acme]) {
      const res = await f.call(method, path, { token, body: { ref: 'main' } });
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
    }
  });
});

describe('fields a caller may not set', () => {
  it.each([
    ['POST /v1/jobs', { ...jobBody(), tenantId: 'globex' }],
    ['POST /v1/hooks', { project: 'research', template: jobBody(), tenantId: 'globex' }],
    ['POST /v1/tokens', { scopes: ['jobs:read'], projects: ['*'], tenant: 'globex' }],
  ])('%s rejects unknown fields with 400 naming them', async (route, body) => {
    const [method, path] = split(route);
    const res = await f.call(method, path, { token: acme, body });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/unknown field\(s\): tenant(Id)?/);
  });

  it('refuses minting for another tenant, other scopes or projects (non-admin)', async () => {
    const { token } = await f.mint('acme', ['tokens:admin', 'jobs:read'], ['research']);
    for (const body of [
      { tenantId: 'globex', scopes: ['jobs:read'], projects: ['research'] },
      { scopes: ['jobs:submit'], projects: ['research'] },
      { scopes: ['jobs:read'], projects: ['other'] },
      { scopes: ['jobs:read'], projects: ['*'] },
    ]) {
      const res = await f.call('POST', '/v1/tokens', { token, body });
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, 'FORBIDDEN']);
    }
  });

  it('lets the admin tenant mint for a new tenant', async () => {
    const { token } = await f.mint('admin');
    const res = await f.call('POST', '/v1/tokens', {
      token,
      body: { tenantId: 'initech', scopes: ['jobs:submit', 'jobs:read'], projects: ['etl'] },
    });
    expect(res.status).toBe(201);
    const platform = await f.call('POST', '/v1/tokens', {
      token,
      body: { tenantId: 'initech', scopes: ['clusters:admin'], projects: ['etl'] },
    });
    expect([platform.status, (platform.body.error as { code: string }).code]).toEqual([
      403,
      'FORBIDDEN',
    ]);
    const partner = String(res.body.token);
    const jobs = await f.call('GET', '/v1/jobs', { token: partner });
    expect([jobs.status, jobs.body.items]).toEqual([200, []]);
  });
});

describe('token headers', () => {
  it('never cause a fetch', () => {
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
