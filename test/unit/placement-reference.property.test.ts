// The fast placer (`place`: typed-array columns, a prepared snapshot shared across decisions and
// changed by `takeGpus`, a memo of verdicts and scratch columns) decides exactly as the plain
// reference placer (shared/placement/reference.ts) on random fleets, policies, usage and jobs:
// same outcome, same pick, same feasible clusters with the same scores.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/cluster.js';
import type { PlacementConstraints } from '../../shared/domain/job.js';
import {
  place,
  prepareClusters,
  takeGpus,
  type ClusterSnapshot,
} from '../../shared/placement/place.js';
import { placeReference } from '../../shared/placement/reference.js';
import type { PolicySelector } from '../../shared/policy/schema.js';
import {
  aCluster,
  aSpec,
  HEARTBEAT_MS,
  NOW,
  policyOf,
  reporting,
  snap,
} from './placement-builders.js';

const TYPES = ['nvidia-a100', 'nvidia-h100', 'amd-mi300'];
const IDS = ['c0', 'c1', 'c10', 'c2', 'b', 'eu-a', 'us-b', 'z'];
const TENANTS = ['t1', 't2', ''];

const poolArb = fc.record({
  accelerator: fc.constantFrom(...TYPES.slice(0, 2)),
  nodes: fc.integer({ min: 1, max: 3 }),
  gpusPerNode: fc.integer({ min: 1, max: 8 }),
  costPerGpuHour: fc.option(fc.constantFrom(1, 1.5, 2, 3.25, 4), { nil: undefined }),
});

const clusterArb = (id: string): fc.Arbitrary<ClusterSnapshot> =>
  fc
    .record({
      cloud: fc.constantFrom('aws', 'gcp', 'onprem'),
      region: fc.constantFrom('us-east-1', 'eu-west-1', 'europe-west4'),
      labels: fc.record(
        { residency: fc.constantFrom('eu', 'us'), tier: fc.constantFrom('a', 'b') },
        { requiredKeys: [] },
      ),
      state: fc.constantFrom('active', 'active', 'active', 'cordoned', 'draining'),
      pools: fc.array(poolArb, { maxLength: 3 }).map((ps) =>
        ps.map(({ costPerGpuHour, ...p }) => ({
          ...p,
          ...(costPerGpuHour !== undefined && { costPerGpuHour }),
        })),
      ),
      report: fc.option(
        fc.record({
          free: fc.integer({ min: 0, max: 12 }),
          age: fc.constantFrom(0, 0, 0, 2 * HEARTBEAT_MS),
        }),
        { nil: undefined },
      ),
      committed: fc.dictionary(fc.constantFrom(...TYPES), fc.integer({ min: 0, max: 6 }), {
        maxKeys: 2,
      }),
    })
    .map(({ report, committed, ...over }) => {
      const c: Cluster = aCluster(id, { ...over, state: over.state as Cluster['state'] });
      return snap(report ? reporting(c, report.free, report.age) : c, committed);
    });

const fleetArb = fc
  .uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: IDS.length })
  .chain((ids) => fc.tuple(...ids.map(clusterArb)));

const selectorArb: fc.Arbitrary<PolicySelector> = fc.oneof(
  fc.constantFrom<PolicySelector>(
    { clusters: ['c1*', 'z'] },
    { clusters: ['?'] },
    { clouds: ['gcp'] },
    { clouds: ['aws', 'onprem'] },
  ),
  fc.constantFrom<PolicySelector>(
    { regions: ['eu-*'] },
    { regions: ['europe-*', 'us-*'] },
    { regions: ['*-1'] },
  ),
  fc.constantFrom<PolicySelector>(
    { labels: { residency: 'eu' } },
    { labels: { tier: 'a' } },
    { clouds: ['aws', 'gcp'], labels: { residency: 'us' } },
  ),
);

const ruleArb = fc.tuple(
  fc.record(
    {
      tenants: fc.subarray(['t1', 't2'], { minLength: 1 }),
      accelerators: fc.constantFrom(['nvidia-*'], ['nvidia-h100']),
      priority: fc.constant({ min: 200 }),
    },
    { requiredKeys: [] },
  ),
  fc.oneof(
    selectorArb.map((require) => ({ require })),
    selectorArb.map((forbid) => ({ forbid })),
    fc
      .array(
        fc
          .tuple(selectorArb, fc.constantFrom(-2, 1, 3, 0.5))
          .map(([s, weight]) => ({ ...s, weight })),
        { minLength: 1, maxLength: 2 },
      )
      .map((prefer) => ({ prefer })),
    fc.constant({ priority: { default: 300, max: 600 } }),
  ),
);

const quotaArb = fc.record(
  {
    gpus: fc.dictionary(fc.constantFrom(...TYPES), fc.integer({ min: 0, max: 10 }), { maxKeys: 2 }),
    totalGpus: fc.integer({ min: 0, max: 12 }),
  },
  { requiredKeys: [] },
);

const policyArb = fc
  .record({
    weights: fc.record({
      cost: fc.constantFrom(0, 1, 2.5),
      freeCapacity: fc.constantFrom(0, 1, 0.3),
      spread: fc.constantFrom(0, 0.5, 1),
      preference: fc.constantFrom(0, 1, 2),
    }),
    rules: fc.array(ruleArb, { maxLength: 4 }),
    tenants: fc.dictionary(fc.constantFrom('t1', 't2'), quotaArb, { maxKeys: 2 }),
    projects: fc.dictionary(fc.constantFrom('t1/research', 't2/research', 't1/other'), quotaArb, {
      maxKeys: 2,
    }),
  })
  .map(({ weights, rules, tenants, projects }) =>
    policyOf({
      weights,
      rules: rules.map(([match, effect], i) => ({ name: `r${i}`, match, ...effect })),
      quotas: { tenants, projects },
    }),
  );

const jobArb = fc.record({
  tenantId: fc.constantFrom(...TENANTS),
  gpus: fc.integer({ min: 0, max: 9 }),
  type: fc.constantFrom(...TYPES),
  priority: fc.constantFrom(100, 250, 500),
  constraints: fc.option(selectorArb as fc.Arbitrary<PlacementConstraints>, {
    nil: undefined,
    freq: 3,
  }),
});

const usageArb = fc.dictionary(
  fc.oneof(
    fc.constantFrom(...IDS).map((id) => `cluster:${id}:jobs`),
    fc.constantFrom(
      'tenant:t1:nvidia-a100',
      'tenant:t2:total',
      'project:t1/research:total',
      'project:t2/research:nvidia-h100',
    ),
  ),
  fc.integer({ min: 0, max: 9 }),
);

describe('the fast placer against the reference placer', () => {
  it('agrees on outcome, pick, feasible clusters and scores, over a shared snapshot', () => {
    fc.assert(
      fc.property(
        fleetArb,
        policyArb,
        fc.array(jobArb, { minLength: 1, maxLength: 4 }),
        usageArb,
        fc.subarray(IDS, { maxLength: 2 }),
        (fleet, policy, jobs, usage, blocked) => {
          const snapshots = structuredClone(fleet);
          const kept = prepareClusters(fleet); // reads its input only
          const ids = fleet.map((s) => s.cluster.id);
          const counters = { ...usage };
          for (const job of jobs) {
            const { tenantId, gpus, type, priority, constraints } = job;
            const spec = aSpec({ gpus, type, priority, ...(constraints && { constraints }) });
            const input = {
              spec,
              tenantId,
              policy,
              blocked,
              now: NOW,
              heartbeatTimeoutMs: HEARTBEAT_MS,
            };
            const fast = place({
              ...input,
              clusters: kept,
              usage: new Map(Object.entries(counters)),
            });
            const want = placeReference({ ...input, clusters: snapshots, usage: counters });
            expect(fast.outcome).toBe(want.outcome);
            expect(fast.clusterId).toBe(want.clusterId);
            expect(fast.candidates.map((c) => c.clusterId)).toEqual(ids);
            const feasible = fast.candidates
              .filter((c) => c.feasible)
              .map(({ clusterId, score }) => ({ clusterId, score }));
            if (want.outcome === 'placed') expect(feasible).toEqual(want.feasible);
            else {
              expect(feasible).toEqual([]);
              const waiting = fast.candidates.filter((c) => /quota/.test(c.reasons[0] ?? ''));
              expect(waiting.map((c) => c.clusterId)).toEqual(
                want.feasible.map((c) => c.clusterId),
              );
            }
            if (fast.outcome !== 'placed') continue;
            const key = `cluster:${fast.clusterId}:jobs`;
            counters[key] = (counters[key] ?? 0) + 1;
            if (gpus === 0) continue;
            const i = ids.indexOf(fast.clusterId!);
            const committed = snapshots[i]!.committedGpus;
            committed[type] = (committed[type] ?? 0) + gpus;
            takeGpus(kept, i, type, gpus);
          }
          expect(snapshots.map((s) => s.cluster)).toEqual(fleet.map((s) => s.cluster));
        },
      ),
      { numRuns: 10_000 },
    );
    // 10,000 cases take a few seconds alone, and minutes on a machine shared by many test runs.
  }, 300_000);

  it('a job larger than its quota is rejected with every cluster explained, none left blank', () => {
    const clusters = [snap(aCluster('a')), snap(aCluster('b', { pools: [] }))];
    const policy = policyOf({ quotas: { tenants: { t1: { totalGpus: 2 } } } });
    const input = { spec: aSpec({ gpus: 4 }), tenantId: 't1', policy, now: NOW };
    const d = place({ ...input, clusters, heartbeatTimeoutMs: HEARTBEAT_MS });
    expect(d.outcome).toBe('rejected');
    expect(d.message).toMatch(/tenant t1 total quota is 2 GPUs and the job needs 4/);
    expect(d.candidates).toEqual([
      {
        clusterId: 'a',
        feasible: false,
        reasons: [expect.stringMatching(/^exceeds a quota: tenant t1 total quota is 2 GPUs/)],
      },
      { clusterId: 'b', feasible: false, reasons: ['no nvidia-a100 nodes (has: none)'] },
    ]);
    const want = placeReference({ ...input, clusters, heartbeatTimeoutMs: HEARTBEAT_MS });
    expect(want).toEqual({ outcome: 'rejected', feasible: [{ clusterId: 'a' }] });
  });
});
