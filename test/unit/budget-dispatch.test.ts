// Budgets in money through the job service and dispatch on the memory store: the spend is reserved
// with the job, a job that would overspend waits pending (WaitingForBudget) with the spend in its
// decision and in jobs:explain, a cancelled job gives its spend back and the pending one is then
// admitted; and a budget change shows in the policy diff.
import { describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import { admitPending, createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { diffPolicies } from '../../shared/policy/diff.js';

const NOW = Date.parse('2026-11-29T10:00:00Z');
const me: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_test',
  scopes: new Set(SCOPES),
  projects: ['*'],
};
const SPEND = 'spend:project:acme/research';
const body = (name: string, count: number) => ({
  name,
  project: 'research',
  image: 'busybox',
  resources: { accelerator: { type: 'nvidia-a100', count } },
});

async function setUp(): Promise<CoreContext> {
  const clock = { now: () => NOW };
  const ctx: CoreContext = {
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
    pools: [{ accelerator: 'nvidia-a100', nodes: 4, gpusPerNode: 16, costPerGpuHour: 2.55 }],
    version: 1,
    updatedAt: new Date(NOW).toISOString(),
  });
  await dispatchOf(ctx).policy.put(me, {
    version: 1,
    quotas: { projects: { 'acme/research': { maxCostPerHour: 50 } } },
  });
  return ctx;
}

describe('budgets in money through dispatch', () => {
  it('reserves spend, waits over budget with the reason, and admits when spend falls', async () => {
    const ctx = await setUp();
    const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
    const first = (await jobs.submit(me, body('first', 16))).job; // $40.80/h
    expect(first.state).toBe('dispatched');
    expect(first.reservation).toContainEqual({ key: SPEND, amount: 40_800_000, max: 50_000_000 });
    expect((await ctx.store.usage.get([SPEND]))[SPEND]).toBe(40_800_000);

    const why = "would raise project research's spend to $61.20/h, budget $50/h";
    const explained = await jobs.explain(me, body('second', 8));
    expect([explained.outcome, explained.waitingFor]).toEqual(['pending', 'budget']);
    expect(explained.message).toContain(why);
    const second = (await jobs.submit(me, body('second', 8))).job;
    expect(second.state).toBe('pending');
    expect(second.events.at(-1)).toMatchObject({ reason: 'WaitingForBudget' });
    expect(second.decision!.message).toBe(`the job waits: ${why}`);
    expect(await admitPending(dispatchOf(ctx))).toBe(0);

    await jobs.cancel(me, first.id);
    expect((await ctx.store.usage.get([SPEND]))[SPEND] ?? 0).toBe(0);
    expect(await admitPending(dispatchOf(ctx))).toBe(1);
    const admitted = (await ctx.store.jobs.get(second.id))!;
    expect(admitted.state).toBe('dispatched');
    expect(admitted.decision!.message).toContain(
      "project research's spend $20.40/h of budget $50/h",
    );
    expect((await ctx.store.usage.get([SPEND]))[SPEND]).toBe(20_400_000);
  });

  it('a budget change is a change in the policy diff', () => {
    const a = { version: 1, quotas: { tenants: { acme: { maxCostPerHour: 50 } } } };
    const b = {
      version: 2,
      quotas: { tenants: { acme: { maxCostPerHour: 40, currency: 'EUR' } } },
    };
    expect(diffPolicies(a, b)).toEqual(
      expect.arrayContaining([
        { op: '~', path: 'quotas.tenants.acme.maxCostPerHour', from: 50, to: 40 },
        { op: '+', path: 'quotas.tenants.acme.currency', to: 'EUR' },
      ]),
    );
  });
});
