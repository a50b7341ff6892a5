// A cluster's API view: while it is offline its free GPUs are unknown (`freeGpus: null`,
// `capacityKnown: false`), not the last report's numbers; a fresh heartbeat makes them known again.
import { describe, expect, it } from 'vitest';
import { clusterView } from '../../shared/api/views.js';
import type { Cluster } from '../../shared/domain/cluster.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const TIMEOUT = 60_000;

function reportedAgo(ms: number): Cluster {
  return {
    id: 'c1',
    cloud: 'aws',
    region: 'us-east-1',
    labels: {},
    queue: 'aws',
    state: 'active',
    pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8 }],
    capacity: {
      reportedAt: new Date(NOW - ms).toISOString(),
      accelerators: { 'nvidia-a100': { total: 16, free: 12, maxFreePerNode: 8 } },
    },
    version: 1,
    updatedAt: new Date(NOW).toISOString(),
  };
}

describe('clusterView', () => {
  it.each([
    { name: 'fresh heartbeat', ago: 1_000, wantStatus: 'active', wantFree: 12, wantKnown: true },
    {
      name: 'silent past the timeout',
      ago: TIMEOUT + 1,
      wantStatus: 'offline',
      wantFree: null,
      wantKnown: false,
    },
  ])('$name', ({ ago, wantStatus, wantFree, wantKnown }) => {
    const view = clusterView(reportedAgo(ago), NOW, TIMEOUT);
    expect(view.status).toBe(wantStatus);
    expect(view.capacityKnown).toBe(wantKnown);
    expect(view.accelerators[0]).toMatchObject({ totalGpus: 16, freeGpus: wantFree });
  });
});

describe('clusterView: workload kinds and Kueue', () => {
  it('shows the discovered kinds and Kueue with the configured LocalQueue', () => {
    const cluster = reportedAgo(1_000);
    cluster.capacity = { ...cluster.capacity!, kinds: ['job', 'pytorchjob'], kueue: true };
    cluster.kueue = { localQueue: 'team-a' };
    const view = clusterView(cluster, NOW, TIMEOUT);
    expect(view.kinds).toEqual(['job', 'pytorchjob']);
    expect(view.kueue).toEqual({ installed: true, localQueue: 'team-a' });
  });

  it('a drainer that reports no kinds runs Jobs only, without Kueue', () => {
    const view = clusterView(reportedAgo(1_000), NOW, TIMEOUT);
    expect(view.kinds).toEqual(['job']);
    expect(view.kueue).toEqual({ installed: false, localQueue: null });
  });
});
