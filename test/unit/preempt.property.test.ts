// Properties of the victim choice, for random fleets packed with random low-priority work: a plan
// names one cluster, only victims the rules allow (gap, non-preemptible, maxVictims), the job fits
// once they are gone, and no victim could be spared; with no plan, evicting every eligible job on
// any one cluster would not make room (when maxVictims does not cut the search short).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/cluster.js';
import {
  choosePreemption,
  fitsWithout,
  protection,
  type PreemptInput,
  type RunningJob,
} from '../../shared/placement/preempt.js';
import { aCluster, aSpec, HEARTBEAT_MS, NOW, policyOf, snap } from './placement-builders.js';

const TYPE = 'nvidia-a100';

interface Fleet {
  clusters: Cluster[];
  running: RunningJob[];
  /** The true layout the report hides: each job's node, and each node's free GPUs, per cluster. */
  nodeOf: Map<string, number>;
  free: Map<string, number[]>;
  perNodeKnown: boolean;
}

/** A cluster of `nodes` × `size`, each node packed with pods of the given sizes while they fit. */
const clusterArb = (id: string, perNodeKnown: boolean) =>
  fc
    .record({
      nodes: fc.integer({ min: 1, max: 3 }),
      size: fc.constantFrom(2, 4),
      pods: fc.array(
        fc.record({
          gpus: fc.integer({ min: 1, max: 4 }),
          priority: fc.integer({ min: 0, max: 600 }),
          runSeconds: fc.integer({ min: 0, max: 1000 }),
          tenant: fc.constantFrom('t1', 't3'),
          project: fc.constantFrom('batch', 'prod'),
        }),
        { maxLength: 10 },
      ),
    })
    .map(({ nodes, size, pods }) => {
      const free = Array<number>(nodes).fill(size);
      const running: RunningJob[] = [];
      const placedOn: number[] = [];
      pods.forEach((p, k) => {
        const node = free.findIndex((f) => f >= p.gpus);
        if (node < 0) return;
        free[node]! -= p.gpus;
        placedOn.push(node);
        running.push({
          id: `${id}-${k}`,
          tenantId: p.tenant,
          project: p.project,
          priority: p.priority,
          clusterId: id,
          accelerator: TYPE,
          perPod: p.gpus,
          pods: 1,
          runSeconds: p.runSeconds,
        });
      });
      const total = free.reduce((a, b) => a + b, 0);
      const cluster = aCluster(id, {
        pools: [{ accelerator: TYPE, nodes, gpusPerNode: size }],
        capacity: {
          reportedAt: new Date(NOW).toISOString(),
          accelerators: {
            [TYPE]: {
              total: nodes * size,
              free: total,
              maxFreePerNode: Math.max(...free),
              ...(perNodeKnown && { freePerNode: [...free].sort((a, b) => b - a) }),
            },
          },
        },
      });
      const nodeOf = new Map(running.map((r, i) => [r.id, placedOn[i]!]));
      return { cluster, running, nodeOf, free, perNodeKnown };
    });

const fleetArb: fc.Arbitrary<Fleet> = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.boolean())
  .chain(([count, known]) =>
    fc.tuple(...Array.from({ length: count }, (_, i) => clusterArb(`c${i}`, known))),
  )
  .map((parts) => ({
    clusters: parts.map((p) => p.cluster),
    running: parts.flatMap((p) => p.running),
    nodeOf: new Map(parts.flatMap((p) => [...p.nodeOf])),
    free: new Map(parts.map((p) => [p.cluster.id, p.free])),
    perNodeKnown: parts[0]!.perNodeKnown,
  }));

const caseArb = fc.record({
  fleet: fleetArb,
  gpus: fc.integer({ min: 1, max: 4 }),
  nodes: fc.integer({ min: 1, max: 2 }),
  priority: fc.integer({ min: 100, max: 1000 }),
  gap: fc.integer({ min: 1, max: 300 }),
  maxVictims: fc.integer({ min: 1, max: 12 }),
  protectPriority: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
  protectProd: fc.boolean(),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function inputOf(c: Case): PreemptInput {
  const policy = policyOf({
    preemption: {
      enabled: true,
      minPriorityGap: c.gap,
      maxVictims: c.maxVictims,
      nonPreemptible: {
        ...(c.protectPriority !== undefined && { priorities: { min: c.protectPriority } }),
        ...(c.protectProd && { projects: ['prod'] }),
      },
    },
  });
  return {
    placement: {
      spec: aSpec({ gpus: c.gpus, ...(c.nodes > 1 && { nodes: c.nodes }) }),
      tenantId: 't2',
      clusters: c.fleet.clusters.map((cl) => snap(cl)),
      policy,
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    },
    priority: c.priority,
    rules: policy.preemption!,
    running: c.fleet.running,
  };
}

describe('choosePreemption properties', () => {
  it('one cluster, allowed victims only, a fit, and none to spare', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const input = inputOf(c);
        const { plan } = choosePreemption(input);
        const byId = new Map(input.running.map((r) => [r.id, r]));
        if (plan) {
          const s = input.placement.clusters.find((x) => x.cluster.id === plan.clusterId)!;
          const victims = plan.victims.map((v) => byId.get(v.jobId)!);
          expect(victims.length).toBeGreaterThan(0);
          expect(victims.length).toBeLessThanOrEqual(c.maxVictims);
          for (const v of victims) {
            expect(v.clusterId).toBe(plan.clusterId);
            expect(protection(v, c.priority, input.rules)).toBeUndefined();
            expect(v.priority).toBeLessThanOrEqual(c.priority - c.gap);
          }
          expect(fitsWithout(input, s, victims)).toBe(true);
          victims.forEach((_, i) => {
            expect(
              fitsWithout(
                input,
                s,
                victims.filter((__, j) => j !== i),
              ),
            ).toBe(false);
          });
          // Nothing to preempt for when the job fits somewhere already.
          for (const other of input.placement.clusters)
            expect(fitsWithout(input, other, [])).toBe(false);
        } else if (
          c.maxVictims >= input.running.length &&
          // Room somewhere already: admission places the job, nothing to preempt for.
          !input.placement.clusters.some((s) => fitsWithout(input, s, []))
        ) {
          for (const s of input.placement.clusters) {
            const eligible = input.running.filter(
              (r) => r.clusterId === s.cluster.id && !protection(r, c.priority, input.rules),
            );
            expect(fitsWithout(input, s, eligible)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
  it('a gang plan frees enough whole nodes where the victims really run (freePerNode known)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        fc.pre(c.fleet.perNodeKnown);
        const { plan } = choosePreemption(inputOf(c));
        if (!plan) return;
        // Give each victim's GPUs back on the node it really runs on (the report cannot say).
        const free = [...c.fleet.free.get(plan.clusterId)!];
        for (const v of plan.victims) free[c.fleet.nodeOf.get(v.jobId)!]! += v.gpus;
        expect(free.filter((f) => f >= c.gpus).length).toBeGreaterThanOrEqual(c.nodes);
      }),
      { numRuns: 300 },
    );
  });
});
