import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/clusters/model.js';
import type { JobSpec } from '../../shared/jobs/model.js';
import { place, type ClusterSnapshot } from '../../shared/placement/place.js';

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
      clusters: [snap(withCapacity(aCluster('a'), 8)), snap(withCapacity(aCluster('b'), 12), { 'nvidia-a100': 10 })],
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
      clusters: [snap(withCapacity(aCluster('a'), 16, 120_000)), snap(withCapacity(aCluster('b'), 1))],
      wantOutcome: 'placed',
      wantCluster: 'b',
      wantReason: { cluster: 'a', includes: 'offline' },
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
    const input = { spec: tc.spec, clusters: tc.clusters, blocked: tc.blocked ?? [], now: NOW, heartbeatTimeoutMs: 60_000 };
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
