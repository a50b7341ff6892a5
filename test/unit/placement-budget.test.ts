// Budgets in money (shared/placement/budget.ts): policy validation, placement that passes over
// clusters where a job would overspend (pending, never rejected, with the spend in the message),
// the explanation for an unpriced pool, and admission that counts spend as it admits.
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/cluster.js';
import { planAdmission, type PendingJob } from '../../shared/placement/admission.js';
import {
  formatMoney,
  limitReachedMessage,
  overBudget,
  spendKeys,
} from '../../shared/placement/budget.js';
import { place } from '../../shared/placement/place.js';
import { parsePolicy } from '../../shared/policy/schema.js';
import { AppError } from '../../shared/base/errors.js';
import {
  HEARTBEAT_MS,
  NOW,
  aCluster,
  aSpec,
  policyOf,
  reporting,
  snap,
} from './placement-builders.js';

const priced = (id: string, costPerGpuHour?: number): Cluster =>
  reporting(
    aCluster(id, {
      pools: [
        {
          accelerator: 'nvidia-a100',
          nodes: 2,
          gpusPerNode: 8,
          ...(costPerGpuHour !== undefined && { costPerGpuHour }),
        },
      ],
    }),
    16,
  );

const research = (maxCostPerHour: number) =>
  policyOf({ quotas: { projects: { 'acme/research': { maxCostPerHour } } } });

function placeIt(
  clusters: Cluster[],
  policy: ReturnType<typeof policyOf>,
  gpus: number,
  usage: Record<string, number> = {},
) {
  return place({
    spec: aSpec({ gpus }),
    tenantId: 'acme',
    clusters: clusters.map((c) => snap(c)),
    policy,
    usage,
    now: NOW,
    heartbeatTimeoutMs: HEARTBEAT_MS,
  });
}

describe('budget policy validation', () => {
  it('accepts maxCostPerHour and currency beside the GPU quotas', () => {
    const p = parsePolicy({
      version: 1,
      quotas: {
        tenants: { acme: { totalGpus: 8, maxCostPerHour: 50 } },
        projects: { 'acme/research': { maxCostPerHour: 12.5, currency: 'EUR' } },
      },
    });
    expect(p.quotas.tenants.acme!.maxCostPerHour).toBe(50);
    expect(policyOf(p).projectQuotas.get('acme/research')).toMatchObject({
      maxCostPerHour: 12.5,
      currency: 'EUR',
    });
    expect(policyOf(p).tenantQuotas.get('acme')!.currency).toBe('USD');
  });

  it('lists every bad budget field at once', () => {
    let err: unknown;
    try {
      parsePolicy({
        version: 1,
        quotas: {
          tenants: { acme: { maxCostPerHour: -1 }, beta: { currency: 'USD' } },
          projects: { 'acme/x': { maxCostPerHour: '50', currency: 'dollars' } },
        },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.code).toBe('INVALID_POLICY');
    const fields = (e.details as { fields: Array<{ path: string }> }).fields.map((f) => f.path);
    expect(fields).toEqual(
      expect.arrayContaining([
        'quotas.tenants.acme.maxCostPerHour',
        'quotas.tenants.beta.currency',
        'quotas.projects.acme/x.maxCostPerHour',
        'quotas.projects.acme/x.currency',
      ]),
    );
  });
});

describe('placement under a budget', () => {
  it('formats money like the issue: $61.20/h, budget $50/h', () => {
    const keys = spendKeys(research(50), 'acme', 'research');
    const usage = new Map([['spend:project:acme/research', 40_800_000]]);
    expect(overBudget(keys, 20_400_000, usage)).toBe(
      "would raise project research's spend to $61.20/h, budget $50/h",
    );
    expect(formatMoney(3.5, 'EUR')).toBe('3.50 EUR');
  });

  it('names the budget when another instance took it between decision and write', () => {
    expect(limitReachedMessage('spend:project:acme/research', 'x')).toBe(
      "project research's budget in money was reached meanwhile (another dispatch took it); the job waits until its spend falls",
    );
    expect(limitReachedMessage('spend:tenant:acme', 'x')).toMatch(/^tenant acme's budget/);
    expect(limitReachedMessage('tenant:acme:total', 'usage tenant:acme:total would exceed')).toBe(
      'usage tenant:acme:total would exceed; the job waits until usage falls',
    );
  });

  it('over budget everywhere: pending (not rejected), waiting for the budget', () => {
    const r = placeIt([priced('a', 2.55)], research(50), 8, {
      'spend:project:acme/research': 40_800_000,
    });
    expect(r.outcome).toBe('pending');
    expect(r.waitingFor).toBe('budget');
    expect(r.message).toBe(
      "the job waits: would raise project research's spend to $61.20/h, budget $50/h",
    );
    expect(r.candidates.find((c) => c.clusterId === 'a')!.reasons[0]).toMatch(/^over budget: /);
  });

  it('prefers a cheaper cluster that fits the budget over a better-scored one that does not', () => {
    const big = reporting(
      aCluster('big', {
        pools: [{ accelerator: 'nvidia-a100', nodes: 8, gpusPerNode: 8, costPerGpuHour: 4 }],
      }),
      64,
    );
    const weights = { cost: 0, freeCapacity: 1, spread: 0, preference: 1 };
    const budget = { projects: { 'acme/research': { maxCostPerHour: 20 } } };
    const without = placeIt([big, priced('small', 2)], policyOf({ weights }), 6);
    expect(without.clusterId).toBe('big'); // more free capacity wins without a budget
    const r = placeIt([big, priced('small', 2)], policyOf({ weights, quotas: budget }), 6);
    expect(r.outcome).toBe('placed');
    expect(r.clusterId).toBe('small');
    expect(r.message).toContain("project research's spend $12/h of budget $20/h");
    const over = r.candidates.find((c) => c.clusterId === 'big')!;
    expect(over.feasible).toBe(false);
    expect(over.reasons[0]).toContain('would raise project research');
  });

  it('a pool without a price counts 0, and the decision says so', () => {
    const r = placeIt([priced('free')], research(1), 8, {
      'spend:project:acme/research': 1_000_000,
    });
    expect(r.outcome).toBe('placed');
    expect(r.message).toContain('free gives no price for this accelerator');
    expect(r.message).toContain('counts $0/h against the budget');
  });

  it('a gang costs every pod: nodes × GPUs per pod', () => {
    const gang = (nodes: number) =>
      place({
        spec: aSpec({ gpus: 4, nodes }),
        tenantId: 'acme',
        clusters: [snap(priced('a', 2.5))],
        policy: research(15),
        now: NOW,
        heartbeatTimeoutMs: HEARTBEAT_MS,
      });
    expect(gang(1).outcome).toBe('placed'); // $10/h
    const two = gang(2); // $20/h
    expect([two.outcome, two.waitingFor]).toEqual(['pending', 'budget']);
    expect(two.message).toContain('spend to $20/h, budget $15/h');
  });

  it('a tenant budget binds every project; another tenant is not affected', () => {
    const policy = policyOf({ quotas: { tenants: { acme: { maxCostPerHour: 10 } } } });
    const usage = { 'spend:tenant:acme': 9_000_000 };
    expect(placeIt([priced('a', 1)], policy, 2, usage).outcome).toBe('pending');
    expect(placeIt([priced('a', 1)], policy, 1, usage).outcome).toBe('placed');
    const other = place({
      spec: aSpec({ gpus: 8 }),
      tenantId: 'beta',
      clusters: [snap(priced('a', 100))],
      policy,
      usage,
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    });
    expect(other.outcome).toBe('placed');
  });
});

describe('admission under a budget', () => {
  it('counts spend as it admits: never over the budget, the rest stay pending', () => {
    const jobs: PendingJob[] = [1, 2, 3, 4, 5].map((i) => ({
      id: `j${i}`,
      tenantId: 'acme',
      spec: aSpec({ gpus: 2 }),
      createdAt: new Date(NOW - i * 1000).toISOString(),
    }));
    const out = planAdmission({
      pending: jobs,
      clusters: [snap(priced('a', 3))],
      policy: research(20),
      usage: { 'spend:project:acme/research': 6_000_000 },
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    });
    // $6/h in use, $6/h per job, budget $20/h: two more fit ($18/h), the third would make $24/h.
    expect(out.map((d) => d.decision.outcome)).toEqual(['placed', 'placed']);
  });

  it('a budget-blocked job does not stop a cheaper job of another tenant', () => {
    const jobs: PendingJob[] = [
      {
        id: 'a1',
        tenantId: 'acme',
        spec: aSpec({ gpus: 4 }),
        createdAt: new Date(NOW - 2000).toISOString(),
      },
      {
        id: 'b1',
        tenantId: 'beta',
        spec: aSpec({ gpus: 4 }),
        createdAt: new Date(NOW - 1000).toISOString(),
      },
    ];
    const out = planAdmission({
      pending: jobs,
      clusters: [snap(priced('a', 3))],
      policy: research(1),
      usage: {},
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    });
    expect(out.map((d) => d.jobId)).toEqual(['b1']);
  });
});
