// The CLI's cluster table: an offline cluster's free GPUs are unknown (null), never "null/16".
import { describe, expect, it } from 'vitest';
import { renderClusters, type ClusterView } from '../../functions/cli/commands/clusters.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

function aCluster(freeGpus: number | null): ClusterView {
  return {
    id: 'onprem-dc1',
    cloud: 'onprem',
    region: 'eu-west',
    status: freeGpus === null ? 'offline' : 'active',
    accelerators: [{ type: 'nvidia-a100', totalGpus: 16, freeGpus }],
    lastHeartbeat: '2026-11-29T11:58:00Z',
    simulated: null,
  };
}

describe('renderClusters', () => {
  it('shows free/total GPUs when they are known', () => {
    expect(renderClusters([aCluster(4)], NOW)).toContain('nvidia-a100 4/16');
  });

  it('shows unknown free GPUs as ?, with why', () => {
    const out = renderClusters([aCluster(null)], NOW);
    expect(out).toContain('nvidia-a100 ?/16 (no fresh heartbeat)');
    expect(out).not.toContain('null');
  });
});
