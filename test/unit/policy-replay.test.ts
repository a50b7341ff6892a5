// The pure what-if replay (shared/placement/replay.ts): per-job outcomes under two policies on one
// snapshot, the aggregate (moves, newly pending/rejected/placed by reason, cost, budget pressure),
// the cap on listed changes, and that a job's own placement never takes room from the next one.
import { describe, expect, it } from 'vitest';
import { prepareClusters } from '../../shared/placement/place.js';
import { replayPlacements, type ReplayJob } from '../../shared/placement/replay.js';
import {
  aCluster,
  aSpec,
  HEARTBEAT_MS,
  NOW,
  policyOf,
  reporting,
  snap,
} from './placement-builders.js';

const a100 = (cost: number) => [
  { accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8, costPerGpuHour: cost },
];
const clusters = prepareClusters([
  snap(reporting(aCluster('us', { region: 'us-east-1', pools: a100(2) }), 8)),
  snap(reporting(aCluster('eu', { cloud: 'gcp', region: 'europe-west4', pools: a100(3) }), 8)),
]);
const job = (id: string, gpus: number, labels: Record<string, string> = {}): ReplayJob => ({
  id,
  tenantId: 'acme',
  spec: aSpec({ gpus, labels }),
  createdAt: `2026-11-28T11:0${id.length}:00Z`,
});
const weights = { cost: 1, freeCapacity: 0, spread: 0, preference: 1 };
const base = {
  clusters,
  usage: new Map<string, number>(),
  now: NOW,
  heartbeatTimeoutMs: HEARTBEAT_MS,
};

describe('replayPlacements', () => {
  it('moves, newly pending and rejected by reason, newly placed, and cost per hour', () => {
    const current = policyOf({
      weights,
      quotas: { tenants: { acme: { totalGpus: 6 } } },
      rules: [{ name: 'eu', match: { labels: { r: 'eu' } }, require: { regions: ['us-*'] } }],
    });
    const draft = policyOf({
      weights,
      quotas: { tenants: { acme: { totalGpus: 4 } } },
      rules: [{ name: 'eu', match: { labels: { r: 'eu' } }, require: { regions: ['europe-*'] } }],
    });
    const jobs = [job('a', 2, { r: 'eu' }), job('bb', 5), job('ccc', 7), job('dddd', 1)];
    const r = replayPlacements({ ...base, jobs, current, draft, maxChanges: 10 });
    // a: us → eu; bb (5 GPUs) fits 6 but not 4 → rejected (larger than the quota); ccc (7) was
    // already larger than 6 → rejected both times; dddd unchanged on us.
    expect(
      r.changes.map((c) => [
        c.jobId,
        c.before.clusterId ?? c.before.outcome,
        c.after.clusterId ?? c.after.outcome,
      ]),
    ).toEqual([
      ['a', 'us', 'eu'],
      ['bb', 'us', 'rejected'],
    ]);
    expect(r.summary.moves).toEqual({
      clusters: [{ from: 'us', to: 'eu', jobs: 1 }],
      clouds: [{ from: 'aws', to: 'gcp', jobs: 1 }],
      regions: [{ from: 'aws/us-east-1', to: 'gcp/europe-west4', jobs: 1 }],
    });
    expect(r.summary.newlyRejected.jobs).toBe(1);
    expect(r.summary.newlyRejected.reasons[0]!.reason).toMatch(/quota/i);
    // before: a 2×2 + bb 5×2 + dddd 1×2 = 16; after: a 2×3 + dddd 1×2 = 8.
    expect(r.summary.costPerHour).toEqual({ before: 16, after: 8, change: -8 });
    expect(r.summary.outcomes).toEqual({
      before: { placed: 3, pending: 0, rejected: 1 },
      after: { placed: 2, pending: 0, rejected: 2 },
    });
  });

  it('counts quota pressure from the current counters, and places nothing for the next job', () => {
    const current = policyOf({ weights });
    const draft = policyOf({ weights, quotas: { tenants: { acme: { totalGpus: 8 } } } });
    const usage = new Map([['tenant:acme:total', 6]]);
    // Each 2-GPU job alone fits 6 + 2 <= 8: none of them is pending, however many there are.
    const many = Array.from({ length: 5 }, (_, i) => job(`j${i}`, 2));
    const fits = replayPlacements({ ...base, usage, jobs: many, current, draft, maxChanges: 10 });
    expect([fits.summary.changed, fits.summary.outcomes.after.placed]).toEqual([0, 5]);
    const big = replayPlacements({
      ...base,
      usage,
      jobs: [job('x', 3)],
      current,
      draft,
      maxChanges: 10,
    });
    expect(big.changes.map((c) => [c.after.outcome, c.after.waitingFor])).toEqual([
      ['pending', 'quota'],
    ]);
    expect(big.summary.newlyPending.reasons[0]!.reason).toMatch(/^quota: /);
  });

  it('a tightened budget turns known jobs pending, counted as budget pressure', () => {
    const current = policyOf({ weights });
    const draft = policyOf({
      weights,
      quotas: { projects: { 'acme/research': { maxCostPerHour: 10 } } },
    });
    // $4/h already spent; us costs $2/GPU-h, eu $3/GPU-h (us wins on cost under both policies).
    const usage = new Map([['spend:project:acme/research', 4_000_000]]);
    const jobs = [job('a', 2), job('bb', 3), job('ccc', 4)];
    const r = replayPlacements({ ...base, usage, jobs, current, draft, maxChanges: 10 });
    // a: $4 + $4 = $8 fits; bb: $4 + $6 = $10 fits; ccc: $4 + $8 = $12 > $10 on us, $16 on eu.
    expect(r.changes.map((c) => [c.jobId, c.after.outcome, c.after.waitingFor])).toEqual([
      ['ccc', 'pending', 'budget'],
    ]);
    expect(r.changes[0]!.after.message).toBe(
      "the job waits: would raise project research's spend to $12/h, budget $10/h",
    );
    expect(r.summary.newlyPending.reasons[0]!.reason).toMatch(/^budget: /);
    expect(r.summary.budgetPressure).toEqual({
      waiting: { before: 0, after: 1 },
      budgets: [
        { id: 'project:acme/research', maxCostPerHour: 10, currency: 'USD', spendPerHour: 4 },
      ],
    });
  });

  it('lists at most maxChanges changed jobs and counts the rest', () => {
    const current = policyOf({ weights });
    const draft = policyOf({ weights, rules: [{ name: 'no-us', forbid: { clusters: ['us'] } }] });
    const jobs = Array.from({ length: 7 }, (_, i) => job(`j${i}`, 1));
    const r = replayPlacements({ ...base, jobs, current, draft, maxChanges: 3 });
    expect([r.summary.changed, r.changes.length, r.changesOmitted]).toEqual([7, 3, 4]);
    expect(r.changes.map((c) => c.jobId)).toEqual(['j0', 'j1', 'j2']);
  });
});
