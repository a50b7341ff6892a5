// What-if replay through the API over loopback HTTP on a SQLite file: a seeded history of jobs
// submitted under a residency rule, replayed under a draft that changes the rule (exact moves,
// clouds, regions and cost), under a draft that tightens the tenant's quota (exact jobs newly
// pending or rejected, with the reason) or sets a budget in money (budget pressure), from a kept
// version; PUT ?dryRun=true stores nothing; bad input is a 400 naming the field.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterService } from '../../shared/clusters/service.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { createFixture, jobBody, type Fixture } from '../security/fixture.js';

type Body = Record<string, unknown>;
const H100 = 'nvidia-h100';
const WEIGHTS = { cost: 1, freeCapacity: 0, spread: 0, preference: 1 };
const EU_RULE = {
  name: 'eu-residency',
  match: { labels: { residency: 'eu' } },
  require: { regions: ['europe-*'] },
};
const V1 = { version: 'v1', weights: WEIGHTS, rules: [EU_RULE] };
/** The residency rule now accepts any cluster labelled residency=eu (aws-euc1 is cheaper). */
const RESIDENCY_DRAFT = {
  version: 'v2',
  weights: WEIGHTS,
  rules: [{ ...EU_RULE, require: { labels: { residency: 'eu' } } }],
};
/** Same rules, the tenant held to 8 H100s (7 are in use after the seeded submissions). */
const QUOTA_DRAFT = {
  ...V1,
  version: 'v1-quota',
  quotas: { tenants: { admin: { totalGpus: 8 } } },
};

const pool = (cost: number) => [
  { accelerator: H100, nodes: 2, gpusPerNode: 8, costPerGpuHour: cost },
];
const CLUSTERS = [
  {
    id: 'aws-use1',
    cloud: 'aws',
    region: 'us-east-1',
    labels: { residency: 'us' },
    queue: 'aws',
    pools: pool(3),
  },
  {
    id: 'gcp-euw4',
    cloud: 'gcp',
    region: 'europe-west4',
    labels: { residency: 'eu' },
    queue: 'gcp',
    pools: pool(5),
  },
  {
    id: 'aws-euc1',
    cloud: 'aws',
    region: 'eu-central-1',
    labels: { residency: 'eu' },
    queue: 'aws',
    pools: pool(4),
  },
];
/** [name, GPUs, EU residency?] in submission order. */
const SEED: [string, number, boolean][] = [
  ['eu-a', 1, true],
  ['us-a', 2, false],
  ['eu-b', 2, true],
  ['us-b', 1, false],
  ['eu-c', 1, true],
];

const dir = mkdtempSync(join(tmpdir(), 'switchyard-policy-simulate-'));
let f: Fixture;
let server: ServerType;
let base: string;
let admin: { token: string };
const ids = new Map<string, string>();

async function call(method: string, path: string, body?: unknown, headers: Body = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${admin.token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(headers as Record<string, string>),
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

beforeAll(async () => {
  f = await createFixture({ store: createSqliteStore({ path: join(dir, 'state.db') }) });
  admin = await f.mint('admin');
  await createClusterService(f.ctx).register(CLUSTERS);
  server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((ok) => server.once('listening', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  expect((await call('PUT', '/v1/policy', V1)).status).toBe(200);
  for (const [name, count, eu] of SEED) {
    f.clock.advance(60_000);
    const body = jobBody('research', {
      name,
      resources: { accelerator: { type: H100, count } },
      ...(eu && { labels: { residency: 'eu' } }),
    });
    const res = await call('POST', '/v1/jobs', body);
    expect([res.status, res.body.state], JSON.stringify(res.body)).toEqual([202, 'dispatched']);
    ids.set(name, res.body.id as string);
  }
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  await f.store.close();
  rmSync(dir, { recursive: true, force: true });
});

const changeRows = (body: Body) =>
  (body.changes as Body[]).map((c) => {
    const [b, a] = [c.before as Body, c.after as Body];
    return [c.jobId, b.outcome, b.clusterId, a.outcome, a.clusterId ?? a.waitingFor ?? null];
  });

describe('POST /v1/policy:simulate', () => {
  it('a residency rule change moves exactly the EU jobs, with clouds, regions and cost', async () => {
    const res = await call('POST', '/v1/policy:simulate', { document: RESIDENCY_DRAFT });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const s = res.body.summary as Body;
    expect(changeRows(res.body)).toEqual(
      ['eu-a', 'eu-b', 'eu-c'].map((n) => [ids.get(n), 'placed', 'gcp-euw4', 'placed', 'aws-euc1']),
    );
    expect(s.moves).toEqual({
      clusters: [{ from: 'gcp-euw4', to: 'aws-euc1', jobs: 3 }],
      clouds: [{ from: 'gcp', to: 'aws', jobs: 3 }],
      regions: [{ from: 'gcp/europe-west4', to: 'aws/eu-central-1', jobs: 3 }],
    });
    // EU: 4 GPUs at 5 → 4; US: 3 GPUs at 3 either way.
    expect(s.costPerHour).toEqual({ before: 29, after: 25, change: -4 });
    expect([s.replayed, s.changed, s.newlyPlaced, res.body.changesOmitted]).toEqual([5, 3, 0, 0]);
    expect(res.body.inForce).toEqual({ revision: 1, policyVersion: 'v1' });
    expect(res.body.window).toMatchObject({ limit: 1000, oldest: expect.any(String) });
  });

  it('a tightened quota turns exactly the jobs that no longer fit pending or rejected', async () => {
    const res = await call('POST', '/v1/policy:simulate?maxChanges=10', { document: QUOTA_DRAFT });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const s = res.body.summary as Body;
    // 7 H100s in use, quota 8: one more GPU fits, two do not (pending); nothing exceeds 8 alone.
    expect(changeRows(res.body)).toEqual(
      ['us-a', 'eu-b'].map((n) => [ids.get(n), 'placed', expect.any(String), 'pending', 'quota']),
    );
    expect(s.newlyPending).toMatchObject({ jobs: 2, reasons: [{ jobs: 2 }] });
    const reason = ((s.newlyPending as Body).reasons as Body[])[0]!.reason as string;
    expect(reason).toMatch(/^quota: /);
    expect(s.newlyRejected).toEqual({ jobs: 0, reasons: [] });
    expect(s.outcomes).toEqual({
      before: { placed: 5, pending: 0, rejected: 0 },
      after: { placed: 3, pending: 2, rejected: 0 },
    });
  });

  it('a tightened budget in money turns exactly the jobs that would overspend pending', async () => {
    // Spend now: US 3 GPUs at 3 + EU 4 GPUs at 5 = $29/h; the budget leaves $4/h, so only us-b
    // (1 GPU at 3 on aws-use1) still fits on its own.
    const draft = {
      ...V1,
      version: 'v1-budget',
      quotas: { tenants: { admin: { maxCostPerHour: 33 } } },
    };
    const res = await call('POST', '/v1/policy:simulate?maxChanges=10', { document: draft });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const s = res.body.summary as Body;
    expect(changeRows(res.body)).toEqual(
      ['eu-a', 'us-a', 'eu-b', 'eu-c'].map((n) => [
        ids.get(n),
        'placed',
        expect.any(String),
        'pending',
        'budget',
      ]),
    );
    const usA = (res.body.changes as Body[])[1]!.after as Body;
    expect(usA.message).toBe(
      "the job waits: would raise tenant admin's spend to $35/h, budget $33/h",
    );
    expect(s.budgetPressure).toEqual({
      waiting: { before: 0, after: 4 },
      budgets: [{ id: 'tenant:admin', maxCostPerHour: 33, currency: 'USD', spendPerHour: 29 }],
    });
  });

  it('replays a kept version, honours limit and maxChanges', async () => {
    const res = await call('POST', '/v1/policy:simulate?limit=2&maxChanges=0', { version: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect([(res.body.summary as Body).replayed, (res.body.summary as Body).changed]).toEqual([
      2, 0,
    ]);
    expect(res.body.draft).toEqual({ policyVersion: 'v1', revision: 1 });
    const since = await call('POST', '/v1/policy:simulate?sinceMinutes=1', {
      document: RESIDENCY_DRAFT,
    });
    // A minute back (inclusive) reaches the last two submissions, us-b and eu-c; eu-c moves.
    expect([(since.body.summary as Body).replayed, changeRows(since.body)]).toEqual([
      2,
      [[ids.get('eu-c'), 'placed', 'gcp-euw4', 'placed', 'aws-euc1']],
    ]);
  });
});

describe('whose jobs', () => {
  it("replays only the caller's tenant and the projects its token may use", async () => {
    const cases: [string, string[]][] = [
      ['globex', ['*']],
      ['admin', ['other']],
    ];
    for (const [tenant, projects] of cases) {
      const other = await f.mint(tenant, undefined, projects);
      const res = await fetch(`${base}/v1/policy:simulate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ document: RESIDENCY_DRAFT }),
      });
      const body = (await res.json()) as Body;
      expect([tenant, res.status, (body.summary as Body).replayed]).toEqual([tenant, 200, 0]);
    }
  });
});

describe('PUT /v1/policy?dryRun=true', () => {
  it('answers the same replay and stores nothing', async () => {
    const before = await call('GET', '/v1/policy/history');
    const res = await call('PUT', '/v1/policy?dryRun=true', RESIDENCY_DRAFT);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect([res.body.dryRun, res.body.stored, (res.body.summary as Body).changed]).toEqual([
      true,
      false,
      3,
    ]);
    const yaml = [
      'version: v2',
      'weights: { cost: 1, freeCapacity: 0, spread: 0, preference: 1 }',
      'rules:',
      '  - name: eu-residency',
      '    match: { labels: { residency: eu } }',
      '    require: { labels: { residency: eu } }',
    ].join('\n');
    const fromYaml = await call('PUT', '/v1/policy?dryRun=true&maxChanges=1', yaml, {
      'content-type': 'application/yaml',
    });
    expect(fromYaml.status, JSON.stringify(fromYaml.body)).toBe(200);
    expect([fromYaml.body.summary, fromYaml.body.changesOmitted]).toEqual([res.body.summary, 2]);
    const stale = await call('PUT', '/v1/policy?dryRun=true', RESIDENCY_DRAFT, { 'if-match': '7' });
    expect([stale.status, (stale.body.error as Body).code]).toEqual([409, 'VERSION_CONFLICT']);
    expect(await call('GET', '/v1/policy/history')).toEqual(before);
    expect((await call('GET', '/v1/policy')).body.document).toMatchObject({ version: 'v1' });
  });
});

describe('bad input', () => {
  it.each([
    ['both document and version', '', { document: V1, version: 1 }, 'document'],
    ['neither', '', {}, 'document'],
    ['an unknown field', '', { document: V1, extra: 1 }, '(body)'],
    ['a version that is not a number', '', { version: 'x' }, 'version'],
    ['limit above 10,000', '?limit=10001', { version: 1 }, 'limit'],
    ['limit not a number', '?limit=ten', { version: 1 }, 'limit'],
    ['sinceMinutes 0', '?sinceMinutes=0', { version: 1 }, 'sinceMinutes'],
    ['maxChanges negative', '?maxChanges=-1', { version: 1 }, 'maxChanges'],
  ])('%s → 400 naming the field', async (_what, query, body, field) => {
    const res = await call('POST', `/v1/policy:simulate${query}`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    const error = res.body.error as { code: string; message: string; details: Body };
    expect(error.code).toBe('BAD_REQUEST');
    const fields = (error.details.fields as Body[]).map((i) => i.path);
    expect(fields).toContain(field);
  });

  it('an invalid draft is INVALID_POLICY with its fields; an unknown version 404; bad dryRun 400', async () => {
    const bad = await call('POST', '/v1/policy:simulate', { document: { rules: 'x' } });
    expect([bad.status, (bad.body.error as Body).code]).toEqual([400, 'INVALID_POLICY']);
    const paths = ((bad.body.error as Body).details as Body).fields as Body[];
    expect(paths.map((i) => i.path).sort()).toEqual(['rules', 'version']);
    const missing = await call('POST', '/v1/policy:simulate', { version: 99 });
    expect([missing.status, (missing.body.error as Body).code]).toEqual([404, 'NOT_FOUND']);
    const dry = await call('PUT', '/v1/policy?dryRun=yes', V1);
    expect([dry.status, ((dry.body.error as Body).details as Body).field]).toEqual([400, 'dryRun']);
    const history = await call('GET', '/v1/policy/history');
    expect((history.body.items as Body[]).length).toBe(1);
  });
});
