import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/cluster.js';
import type { JobSpec } from '../../shared/domain/job.js';
import {
  place,
  prepareClusters,
  usageDeltas,
  usageKeys,
  type ClusterSnapshot,
} from '../../shared/placement/place.js';
import {
  aCluster as anyCluster,
  aSpec as aSpecWith,
  policyOf,
  reporting,
} from './placement-builders.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');

function aCluster(id: string, over: Partial<Cluster> = {}): Cluster {
  return {
    id,
    cloud: 'aws',
    region: 'us-east-1',
    labels: {},
    queue: 'aws',
    state: 'active',
    pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8 }],
    version: 1,
    updatedAt: new Date(NOW).toISOString(),
    ...over,
  };
}

function withCapacity(c: Cluster, free: number, ageMs = 0): Cluster {
  return {
    ...c,
    capacity: {
      reportedAt: new Date(NOW - ageMs).toISOString(),
      accelerators: { 'nvidia-a100': { total: 16, free, maxFreePerNode: Math.min(8, free) } },
    },
  };
}

function aSpec(accelerator?: { type: string; count: number }): JobSpec {
  return {
    name: 'train',
    project: 'p',
    image: 'busybox',
    env: {},
    resources: accelerator ? { accelerator } : {},
    priority: 100,
    labels: {},
  };
}

const snap = (cluster: Cluster, committed: Record<string, number> = {}): ClusterSnapshot => ({
  cluster,
  committedGpus: committed,
});

describe('place', () => {
  const cases: Array<{
    name: string;
    spec: JobSpec;
    clusters: ClusterSnapshot[];
    blocked?: string[];
    wantOutcome: 'placed' | 'pending' | 'rejected';
    wantCluster?: string;
    wantReason?: { cluster: string; includes: string };
  }> = [
    {
      name: 'most free capacity wins',
      spec: aSpec({ type: 'nvidia-a100', count: 2 }),
      clusters: [snap(withCapacity(aCluster('a'), 4)), snap(withCapacity(aCluster('b'), 12))],
      wantOutcome: 'placed',
      wantCluster: 'b',
    },
    {
      name: 'committed GPUs count against free capacity',
      spec: aSpec({ type: 'nvidia-a100', count: 2 }),
      clusters: [
        snap(withCapacity(aCluster('a'), 8)),
        snap(withCapacity(aCluster('b'), 12), { 'nvidia-a100': 10 }),
      ],
      wantOutcome: 'placed',
      wantCluster: 'a',
    },
    {
      name: 'ties break by cluster id',
      spec: aSpec({ type: 'nvidia-a100', count: 1 }),
      clusters: [snap(withCapacity(aCluster('z'), 8)), snap(withCapacity(aCluster('m'), 8))],
      wantOutcome: 'placed',
      wantCluster: 'm',
    },
    {
      name: 'unknown accelerator is rejected with the reason',
      spec: aSpec({ type: 'nvidia-h100', count: 1 }),
      clusters: [snap(aCluster('a'))],
      wantOutcome: 'rejected',
      wantReason: { cluster: 'a', includes: 'no nvidia-h100 nodes (has: nvidia-a100)' },
    },
    {
      name: 'more GPUs than any node has is rejected',
      spec: aSpec({ type: 'nvidia-a100', count: 9 }),
      clusters: [snap(aCluster('a'))],
      wantOutcome: 'rejected',
      wantReason: { cluster: 'a', includes: 'largest nvidia-a100 node has 8 GPUs' },
    },
    {
      name: 'cordoned cluster is filtered, job waits',
      spec: aSpec({ type: 'nvidia-a100', count: 1 }),
      clusters: [snap(aCluster('a', { state: 'cordoned' }))],
      wantOutcome: 'pending',
      wantReason: { cluster: 'a', includes: 'cluster is cordoned' },
    },
    {
      name: 'offline cluster is filtered',
      spec: aSpec({ type: 'nvidia-a100', count: 1 }),
      clusters: [
        snap(withCapacity(aCluster('a'), 16, 120_000)),
        snap(withCapacity(aCluster('b'), 1)),
      ],
      wantOutcome: 'placed',
      wantCluster: 'b',
      wantReason: { cluster: 'a', includes: 'offline' },
    },
    {
      name: 'one free GPU is one GPU, in a filter reason',
      spec: aSpec({ type: 'nvidia-a100', count: 2 }),
      clusters: [snap(withCapacity(aCluster('a'), 1))],
      wantOutcome: 'pending',
      wantReason: { cluster: 'a', includes: 'only 1 free nvidia-a100 GPU; the job needs 2' },
    },
    {
      name: 'one free GPU is one GPU, in a score reason',
      spec: aSpec({ type: 'nvidia-a100', count: 1 }),
      clusters: [snap(withCapacity(aCluster('a'), 1))],
      wantOutcome: 'placed',
      wantCluster: 'a',
      wantReason: { cluster: 'a', includes: ' 1 free nvidia-a100 GPU 0 jobs' },
    },
    {
      name: 'no free capacity anywhere: pending',
      spec: aSpec({ type: 'nvidia-a100', count: 4 }),
      clusters: [snap(withCapacity(aCluster('a'), 3))],
      wantOutcome: 'pending',
      wantReason: { cluster: 'a', includes: 'only 3 free nvidia-a100 GPUs; the job needs 4' },
    },
    {
      name: 'blocked cluster is skipped',
      spec: aSpec({ type: 'nvidia-a100', count: 1 }),
      clusters: [snap(withCapacity(aCluster('a'), 16)), snap(withCapacity(aCluster('b'), 2))],
      blocked: ['a'],
      wantOutcome: 'placed',
      wantCluster: 'b',
      wantReason: { cluster: 'a', includes: 'blocked' },
    },
    {
      name: 'CPU-only job goes to any active cluster',
      spec: aSpec(),
      clusters: [snap(aCluster('b')), snap(aCluster('a'))],
      wantOutcome: 'placed',
      wantCluster: 'a',
    },
    {
      name: 'no clusters at all: rejected with advice',
      spec: aSpec({ type: 'nvidia-a100', count: 1 }),
      clusters: [],
      wantOutcome: 'rejected',
    },
  ];

  it.each(cases)('$name', (tc) => {
    const input = {
      spec: tc.spec,
      clusters: tc.clusters,
      blocked: tc.blocked ?? [],
      now: NOW,
      heartbeatTimeoutMs: 60_000,
    };
    const frozen = JSON.stringify(input);
    const decision = place(input);
    expect(decision.outcome).toBe(tc.wantOutcome);
    if (tc.wantCluster) expect(decision.clusterId).toBe(tc.wantCluster);
    else expect(decision.clusterId).toBeUndefined();
    if (tc.wantReason) {
      const candidate = decision.candidates.find((c) => c.clusterId === tc.wantReason!.cluster);
      expect(candidate?.reasons.join(' ')).toContain(tc.wantReason.includes);
    }
    expect(decision.candidates).toHaveLength(tc.clusters.length);
    expect(JSON.stringify(input)).toBe(frozen); // no mutation of the input
  });
});

describe('place with a policy, usage and the job constraints', () => {
  const a100 = (id: string, over: Partial<Cluster> = {}, free = 8) =>
    snap(reporting(anyCluster(id, over), free));
  const cases: Array<{
    name: string;
    spec?: Partial<JobSpec> & { gpus?: number; type?: string };
    clusters: ClusterSnapshot[];
    policy?: Record<string, unknown>;
    usage?: Record<string, number>;
    blocked?: string[];
    wantOutcome: 'placed' | 'pending' | 'rejected';
    wantCluster?: string;
    wantReason?: { cluster: string; includes: string };
    wantMessage?: string;
  }> = [
    {
      name: 'job constraints: clouds',
      spec: { constraints: { clouds: ['gcp'] } },
      clusters: [a100('a', {}, 16), a100('g', { cloud: 'gcp' }, 2)],
      wantOutcome: 'placed',
      wantCluster: 'g',
      wantReason: { cluster: 'a', includes: "does not meet the job's constraints (clouds gcp)" },
    },
    {
      name: 'job constraints: regions glob and labels',
      spec: { constraints: { regions: ['eu-*'], labels: { residency: 'eu' } } },
      clusters: [
        a100('a', { region: 'eu-west-1' }),
        a100('b', { region: 'eu-west-1', labels: { residency: 'eu' } }, 2),
        a100('c', { region: 'us-east-1', labels: { residency: 'eu' } }),
      ],
      wantOutcome: 'placed',
      wantCluster: 'b',
    },
    {
      name: 'job constraints: clusters by id; nothing else may be used',
      spec: { constraints: { clusters: ['zz'] } },
      clusters: [a100('a')],
      wantOutcome: 'rejected',
      wantMessage: "loosen the job's constraints",
    },
    {
      name: 'draining cluster is filtered, job waits',
      clusters: [a100('a', { state: 'draining' })],
      wantOutcome: 'pending',
      wantReason: { cluster: 'a', includes: 'cluster is draining' },
    },
    {
      name: 'free GPUs spread over nodes do not fit a job needing one node',
      spec: { gpus: 4 },
      clusters: [
        snap({
          ...anyCluster('a'),
          capacity: {
            reportedAt: new Date(NOW).toISOString(),
            accelerators: { 'nvidia-a100': { total: 16, free: 6, maxFreePerNode: 3 } },
          },
        }),
      ],
      wantOutcome: 'pending',
      wantReason: { cluster: 'a', includes: 'at most 3 free nvidia-a100 GPUs on one node' },
    },
    {
      name: 'tenant at quota: pending, not rejected',
      spec: { gpus: 2 },
      clusters: [a100('a')],
      policy: { quotas: { tenants: { acme: { gpus: { 'nvidia-a100': 4 } } } } },
      usage: { 'tenant:acme:nvidia-a100': 3 },
      wantOutcome: 'pending',
      wantMessage: 'tenant acme nvidia-a100 quota is 4 GPUs, 3 in use',
      wantReason: { cluster: 'a', includes: 'waiting for quota' },
    },
    {
      name: 'project total quota: pending',
      clusters: [a100('a')],
      policy: { quotas: { projects: { 'acme/research': { totalGpus: 2 } } } },
      usage: { 'project:acme/research:total': 2 },
      wantOutcome: 'pending',
      wantMessage: 'project acme/research total quota is 2 GPUs',
    },
    {
      name: 'quota of another tenant does not apply',
      clusters: [a100('a')],
      policy: { quotas: { tenants: { other: { totalGpus: 0 } } } },
      wantOutcome: 'placed',
      wantCluster: 'a',
    },
    {
      name: 'a job larger than its quota can never run: rejected',
      spec: { gpus: 8 },
      clusters: [a100('a')],
      policy: { quotas: { tenants: { acme: { totalGpus: 4 } } } },
      wantOutcome: 'rejected',
      wantMessage: 'ask for a larger quota',
    },
    {
      name: 'cheapest GPU-hour wins when free capacity is equal',
      clusters: [
        a100('a', {
          pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8, costPerGpuHour: 3 }],
        }),
        a100('b', {
          pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8, costPerGpuHour: 2 }],
        }),
      ],
      wantOutcome: 'placed',
      wantCluster: 'b',
      wantReason: { cluster: 'b', includes: 'cost 2/GPU-h' },
    },
    {
      name: 'cost weight 0: free capacity decides',
      clusters: [
        a100(
          'a',
          { pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8, costPerGpuHour: 3 }] },
          12,
        ),
        a100(
          'b',
          { pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8, costPerGpuHour: 2 }] },
          8,
        ),
      ],
      policy: { weights: { cost: 0 } },
      wantOutcome: 'placed',
      wantCluster: 'a',
    },
    {
      name: 'spread: fewer jobs placed wins',
      clusters: [a100('a'), a100('b')],
      usage: { 'cluster:a:jobs': 3, 'cluster:b:jobs': 1 },
      wantOutcome: 'placed',
      wantCluster: 'b',
      wantReason: { cluster: 'a', includes: '3 jobs placed here' },
    },
    {
      name: 'only the blocked cluster could run it: rejected with advice',
      clusters: [a100('a')],
      blocked: ['a'],
      wantOutcome: 'rejected',
      wantMessage: '1 is blocked after failed attempts',
    },
    {
      name: 'two blocked clusters: the count agrees with its verb',
      clusters: [a100('a'), a100('b')],
      blocked: ['a', 'b'],
      wantOutcome: 'rejected',
      wantMessage: '2 are blocked after failed attempts',
    },
    {
      name: 'policy excludes every cluster: rejected naming the rule',
      clusters: [a100('a')],
      policy: { rules: [{ name: 'eu-only', require: { regions: ['eu-*'] } }] },
      wantOutcome: 'rejected',
      wantMessage:
        '1 is excluded by the routing policy (excluded by rule eu-only: requires regions eu-*',
    },
  ];

  it.each(cases)('$name', (tc) => {
    const input = {
      spec: aSpecWith(tc.spec),
      tenantId: 'acme',
      clusters: tc.clusters,
      blocked: tc.blocked ?? [],
      now: NOW,
      heartbeatTimeoutMs: 60_000,
      ...(tc.policy && { policy: policyOf(tc.policy) }),
      ...(tc.usage && { usage: tc.usage }),
    };
    const frozen = JSON.stringify(input);
    const decision = place(input);
    expect(decision.outcome).toBe(tc.wantOutcome);
    expect(decision.clusterId).toBe(tc.wantCluster);
    if (tc.wantReason) {
      const candidate = decision.candidates.find((c) => c.clusterId === tc.wantReason!.cluster);
      expect(candidate?.reasons.join(' ')).toContain(tc.wantReason.includes);
    }
    if (tc.wantMessage) expect(decision.message).toContain(tc.wantMessage);
    expect(decision.candidates).toHaveLength(tc.clusters.length);
    expect(JSON.stringify(input)).toBe(frozen);
  });

  it('records the policy version, matched rules and score terms', () => {
    const d = place({
      spec: aSpecWith({ priority: 100 }),
      tenantId: 'acme',
      clusters: [snap(reporting(anyCluster('a'), 8))],
      policy: policyOf({ rules: [{ name: 'hi', priority: { default: 700 } }] }),
      now: NOW,
      heartbeatTimeoutMs: 60_000,
    });
    expect(d).toMatchObject({ policyVersion: 'v1', matchedRules: ['hi'], effectivePriority: 700 });
    expect(d.candidates[0]).toMatchObject({
      feasible: true,
      score: 1.5,
      terms: { cost: 0, freeCapacity: 1, spread: 0.5, preference: 0 },
    });
  });

  it('the same snapshot, prepared once, gives the same decision', () => {
    const clusters = [snap(reporting(anyCluster('a'), 4)), snap(reporting(anyCluster('b'), 8))];
    const input = { spec: aSpecWith(), now: NOW, heartbeatTimeoutMs: 60_000 };
    expect(place({ ...input, clusters: prepareClusters(clusters) })).toEqual(
      place({ ...input, clusters }),
    );
  });
});

describe('usageKeys', () => {
  it('names every counter with its quota', () => {
    const policy = policyOf({
      quotas: {
        tenants: { acme: { gpus: { 'nvidia-a100': 16 }, totalGpus: 24 } },
        projects: { 'acme/research': { totalGpus: 8 } },
      },
    });
    const keys = usageKeys('acme', 'research', 'nvidia-a100', 'c1', policy);
    expect(keys).toEqual([
      { key: 'tenant:acme:nvidia-a100', unit: 'gpus', max: 16 },
      { key: 'tenant:acme:total', unit: 'gpus', max: 24 },
      { key: 'project:acme/research:nvidia-a100', unit: 'gpus' },
      { key: 'project:acme/research:total', unit: 'gpus', max: 8 },
      { key: 'cluster:c1:nvidia-a100', unit: 'gpus' },
      { key: 'cluster:c1:jobs', unit: 'jobs' },
    ]);
    expect(usageDeltas(keys, 2, 1)[0]).toEqual({
      key: 'tenant:acme:nvidia-a100',
      delta: 2,
      max: 16,
    });
    expect(usageDeltas(keys, 2, -1).at(-1)).toEqual({ key: 'cluster:c1:jobs', delta: -1 });
    expect(usageKeys('acme', 'research', undefined, 'c1')).toEqual([
      { key: 'cluster:c1:jobs', unit: 'jobs' },
    ]);
  });
});
