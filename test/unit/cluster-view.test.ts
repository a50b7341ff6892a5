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
