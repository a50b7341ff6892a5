// The Usage view (GET /v1/usage) against the memory store with real placements: GPUs in use and
// spend per hour from the counters dispatch keeps, quotas and budgets from the policy, a token's
// projects bounding what it sees; and where a job came from (its origin) as the job view names it.
import { beforeEach, describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import { jobOrigin } from '../../shared/api/views.js';
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createJobService } from '../../shared/jobs/service.js';
import { tenantUsage } from '../../shared/jobs/usage-view.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';

const NOW = Date.parse('2026-11-29T10:00:00Z');
const principal = (projects: string[], scopes: readonly string[] = SCOPES): Principal => ({
  tenantId: 'acme',
  tokenId: 'tok_test',
  scopes: new Set(scopes),
  projects,
});
const Q = { adminTenant: 'admin' };
const job = (project: string, gpus: number) => ({
  name: `${project}-${gpus}`,
  project,
  image: 'busybox',
  resources: { accelerator: { type: 'nvidia-a100', count: gpus } },
});

describe('tenantUsage', () => {
  let ctx: CoreContext;
  const clock = { now: () => NOW };

  beforeEach(async () => {
    ctx = {
      store: createMemoryStore(),
      queue: createMemoryQueue({ clock }),
      clock,
      log: silentLogger,
      settings: defaultCoreSettings,
    };
    await ctx.store.clusters.put({
      id: 'aws-east',
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      state: 'active',
      pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8, costPerGpuHour: 2.5 }],
      version: 1,
      updatedAt: new Date(NOW).toISOString(),
    });
    await dispatchOf(ctx).policy.put(principal(['*']), {
      version: 1,
      quotas: {
        tenants: { acme: { totalGpus: 6, maxCostPerHour: 20 } },
        projects: {
          'acme/etl': { gpus: { 'nvidia-a100': 4 }, maxCostPerHour: 9, currency: 'EUR' },
          'acme/ml': { totalGpus: 2 },
          'globex/etl': { totalGpus: 1 },
        },
      },
    });
    const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
    for (const [project, gpus] of [
      ['etl', 3],
      ['research', 1],
    ] as const) {
      const { job: placed } = await jobs.submit(principal(['*']), job(project, gpus));
      expect(placed.state).toBe('dispatched');
    }
  });

  it("shows the tenant and every project it uses or has a quota for, never another tenant's", async () => {
    const want = [
      {
        id: 'tenant:acme',
        kind: 'tenant',
        tenantId: 'acme',
        project: null,
        gpus: [
          { type: 'nvidia-a100', inUse: 4, quota: null },
          { type: 'total', inUse: 4, quota: 6 },
        ],
        cost: { perHour: 10, budget: 20, currency: 'USD' },
      },
      {
        id: 'project:acme/etl',
        kind: 'project',
        tenantId: 'acme',
        project: 'etl',
        gpus: [
          { type: 'nvidia-a100', inUse: 3, quota: 4 },
          { type: 'total', inUse: 3, quota: null },
        ],
        cost: { perHour: 7.5, budget: 9, currency: 'EUR' },
      },
      {
        id: 'project:acme/ml',
        kind: 'project',
        tenantId: 'acme',
        project: 'ml',
        gpus: [{ type: 'total', inUse: 0, quota: 2 }],
        cost: { perHour: 0, budget: null, currency: 'USD' },
      },
      {
        id: 'project:acme/research',
        kind: 'project',
        tenantId: 'acme',
        project: 'research',
        gpus: [
          { type: 'nvidia-a100', inUse: 1, quota: null },
          { type: 'total', inUse: 1, quota: null },
        ],
        cost: { perHour: 2.5, budget: null, currency: 'USD' },
      },
    ];
    expect((await tenantUsage(ctx, dispatchOf(ctx).policy, principal(['*']), Q)).items).toEqual(
      want,
    );
  });

  it("bounds what it shows by the token's projects, and needs jobs:read", async () => {
    const { items } = await tenantUsage(
      ctx,
      dispatchOf(ctx).policy,
      principal(['etl', 'new-one']),
      Q,
    );
    // No tenant line: it would count the other projects' GPUs.
    expect(items.map((i) => i.id)).toEqual(['project:acme/etl', 'project:acme/new-one']);
    expect(items[1]!.gpus).toEqual([{ type: 'total', inUse: 0, quota: null }]);
    await expect(
      tenantUsage(ctx, dispatchOf(ctx).policy, principal(['*'], ['jobs:submit']), Q),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('shows an admin-tenant token for every project each tenant, or the one tenant= picks', async () => {
    const globex = { ...principal(['*']), tenantId: 'globex' };
    const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
    expect((await jobs.submit(globex, job('etl', 1))).job.state).toBe('dispatched');
    const policy = dispatchOf(ctx).policy;
    const admin = { ...principal(['*']), tenantId: 'admin' };
    const acme = (await tenantUsage(ctx, policy, principal(['*']), Q)).items;
    const all = (await tenantUsage(ctx, policy, admin, Q)).items;
    expect(all.filter((i) => i.kind === 'tenant').map((i) => i.tenantId)).toEqual([
      'admin',
      'acme',
      'globex',
    ]);
    // Each tenant's lines are the ones its own token for every project sees.
    expect(all.filter((i) => i.tenantId === 'acme')).toEqual(acme);
    const picked = (await tenantUsage(ctx, policy, admin, { ...Q, tenant: 'globex' })).items;
    expect(picked).toEqual(all.filter((i) => i.tenantId === 'globex'));
    expect(picked.map((i) => [i.id, i.gpus.find((g) => g.type === 'total')])).toEqual([
      ['tenant:globex', { type: 'total', inUse: 1, quota: null }],
      ['project:globex/etl', { type: 'total', inUse: 1, quota: 1 }],
    ]);
    // Another tenant, or an admin token bounded to some projects, sees only its own.
    const bounded = { ...admin, projects: ['research'] };
    expect((await tenantUsage(ctx, policy, bounded, Q)).items.map((i) => i.tenantId)).toEqual([
      'admin',
    ]);
    for (const who of [principal(['*']), bounded]) {
      await expect(tenantUsage(ctx, policy, who, { ...Q, tenant: 'globex' })).rejects.toMatchObject(
        { code: 'FORBIDDEN' },
      );
    }
    expect(
      (await tenantUsage(ctx, policy, principal(['*']), { ...Q, tenant: 'acme' })).items,
    ).toEqual(acme);
    await expect(
      tenantUsage(ctx, policy, admin, { ...Q, tenant: 'Not A Tenant' }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('tenant must be a tenant id'),
    });
  });
});

describe('jobOrigin', () => {
  it.each([
    ['tok_123', { kind: 'api', id: 'tok_123' }],
    ['hook:hk_9', { kind: 'hook', id: 'hk_9' }],
    ['schedule:sch_1', { kind: 'schedule', id: 'sch_1' }],
    ['hooked-token', { kind: 'api', id: 'hooked-token' }],
  ])('names %s', (submittedBy, want) => {
    expect(jobOrigin(submittedBy)).toEqual(want);
  });
});
