// The fast placer and the plain reference placer (shared/placement/reference.ts) agree on gangs
// and workload kinds: random fleets whose reports may or may not give each node's free GPUs and
// the kinds discovered, clusters configured with kinds and never heard from, quotas, and random
// gangs placed one after another on a shared snapshot that `takeGpus` updates with each gang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapacityReport, Cluster } from '../../shared/domain/cluster.js';
import { WORKLOAD_KINDS, type WorkloadKind } from '../../shared/domain/job.js';
import { place, prepareClusters, takeGpus } from '../../shared/placement/place.js';
import { placeReference } from '../../shared/placement/reference.js';
import { aCluster, aSpec, HEARTBEAT_MS, NOW, policyOf, snap } from './placement-builders.js';

const TYPES = ['nvidia-h100', 'nvidia-a100'];
const IDS = ['a', 'b', 'c', 'd', 'e'];

const ALL = WORKLOAD_KINDS as readonly WorkloadKind[];
const kindsArb = fc.oneof(
  fc.constant<WorkloadKind[] | undefined>(undefined),
  fc.constant<WorkloadKind[] | undefined>([...ALL]),
  fc
    .subarray(WORKLOAD_KINDS.slice(1) as WorkloadKind[])
    .map((k) => ['job', ...k] as WorkloadKind[]),
);

const poolArb = fc.record({
  accelerator: fc.constantFrom(...TYPES),
  nodes: fc.integer({ min: 1, max: 5 }),
  gpusPerNode: fc.constantFrom(1, 2, 4, 8),
});

/** A report per pool type: each node's free GPUs (some used), told per node or only summed. */
const clusterArb = (id: string) =>
  fc
    .record({
      pools: fc.array(poolArb, { minLength: 1, maxLength: 2 }),
      configured: kindsArb,
      reported: kindsArb,
      report: fc.constantFrom('none', 'per-node', 'summed', 'summed'),
      used: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 10, maxLength: 10 }),
      committed: fc.dictionary(fc.constantFrom(...TYPES), fc.integer({ min: 0, max: 12 }), {
        maxKeys: 2,
      }),
    })
    .map(({ pools, configured, reported, report, used, committed }) => {
      const c: Cluster = aCluster(id, { pools, ...(configured && { kinds: configured }) });
      if (report === 'none') return snap(c, committed);
      const accelerators: CapacityReport['accelerators'] = {};
      let u = 0;
      for (const type of new Set(pools.map((p) => p.accelerator))) {
        const nodes = pools
          .filter((p) => p.accelerator === type)
          .flatMap((p) => Array<number>(p.nodes).fill(p.gpusPerNode))
          .map((g) => Math.max(0, g - used[u++ % used.length]!))
          .sort((x, y) => y - x);
        const free = nodes.reduce((x, y) => x + y, 0);
        const total = pools
          .filter((p) => p.accelerator === type)
          .reduce((n, p) => n + p.nodes * p.gpusPerNode, 0);
        accelerators[type] = {
          total,
          free,
          maxFreePerNode: nodes[0] ?? 0,
          ...(report === 'per-node' && { freePerNode: nodes }),
        };
      }
      const capacity = {
        reportedAt: new Date(NOW).toISOString(),
        accelerators,
        ...(reported && { kinds: reported }),
      };
      return snap({ ...c, capacity }, committed);
    });

const fleetArb = fc
  .uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: IDS.length })
  .chain((ids) => fc.tuple(...ids.map(clusterArb)));

const jobArb = fc.record({
  nodes: fc.integer({ min: 1, max: 5 }),
  gpus: fc.constantFrom(0, 1, 2, 4, 8, 8),
  type: fc.constantFrom(...TYPES),
  kind: fc.constantFrom<WorkloadKind>('job', 'job', ...ALL),
});

const policyArb = fc
  .option(fc.integer({ min: 4, max: 40 }), { nil: undefined })
  .map((total) => policyOf(total ? { quotas: { tenants: { t1: { totalGpus: total } } } } : {}));

describe('gangs: the fast placer against the reference placer', () => {
  it('agrees on outcome, pick and feasible clusters, with each placed gang taken out', () => {
    fc.assert(
      fc.property(
        fleetArb,
        policyArb,
        fc.array(jobArb, { minLength: 1, maxLength: 4 }),
        (fleet, policy, jobs) => {
          const snapshots = structuredClone(fleet);
          const kept = prepareClusters(fleet);
          const ids = fleet.map((s) => s.cluster.id);
          const usage: Record<string, number> = {};
          for (const { nodes, gpus, type, kind } of jobs) {
            const spec = aSpec({ gpus, type, nodes, kind });
            const input = {
              spec,
              tenantId: 't1',
              policy,
              now: NOW,
              heartbeatTimeoutMs: HEARTBEAT_MS,
            };
            const fast = place({ ...input, clusters: kept, usage: new Map(Object.entries(usage)) });
            const want = placeReference({ ...input, clusters: snapshots, usage });
            expect(fast.outcome).toBe(want.outcome);
            expect(fast.clusterId).toBe(want.clusterId);
            const feasible = fast.candidates
              .filter((c) => c.feasible)
              .map(({ clusterId, score }) => ({ clusterId, score }));
            if (want.outcome === 'placed') expect(feasible).toEqual(want.feasible);
            else expect(feasible).toEqual([]);
            if (fast.outcome !== 'placed') continue;
            for (const key of [`cluster:${fast.clusterId}:jobs`, 'tenant:t1:total']) {
              usage[key] = (usage[key] ?? 0) + (key.endsWith(':jobs') ? 1 : nodes * gpus);
            }
            if (gpus === 0) continue;
            const i = ids.indexOf(fast.clusterId!);
            const committed = snapshots[i]!.committedGpus;
            committed[type] = (committed[type] ?? 0) + nodes * gpus;
            takeGpus(kept, i, type, nodes * gpus);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  }, 120_000);
});
