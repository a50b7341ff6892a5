// The CLI shows Slurm clusters and jobs as such: the cluster table names the kind and partition,
// and a job placed on Slurm shows its Slurm job id instead of a Kubernetes namespace/name.
import { describe, expect, it } from 'vitest';
import { renderClusters, type ClusterView } from '../../functions/cli/commands/clusters.js';
import { renderJob, type JobView } from '../../functions/cli/views.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

describe('the CLI on Slurm', () => {
  it('names a Slurm cluster and its partition in the clusters table', () => {
    const hpc: ClusterView = {
      id: 'onprem-hpc',
      cloud: 'onprem',
      region: 'dc1',
      status: 'active',
      kind: 'slurm',
      partition: 'gpu',
      accelerators: [{ type: 'nvidia-a100', totalGpus: 8, freeGpus: 8 }],
      lastHeartbeat: '2026-11-29T11:59:58Z',
      simulated: null,
    };
    const out = renderClusters([hpc, { ...hpc, id: 'k8s-one', kind: 'kubernetes' }], NOW);
    expect(out).toContain('onprem-hpc (slurm, partition gpu)');
    expect(out).not.toContain('k8s-one (slurm');
  });

  it("shows a job's Slurm job id", () => {
    const job: JobView = {
      id: 'j1',
      name: 'train',
      project: 'research',
      state: 'running',
      spec: { image: 'busybox' },
      clusterId: 'onprem-hpc',
      kubernetes: { namespace: 'sy-admin', name: 'sy-j1', attempt: 1 },
      targetJobId: '4242',
      decision: null,
      events: [],
      createdAt: '2026-11-29T11:59:00Z',
      updatedAt: '2026-11-29T11:59:30Z',
    };
    const out = renderJob(job, NOW);
    expect(out).toMatch(/slurm job:\s+4242 \(sy-j1, attempt 1\)/);
    expect(out).not.toContain('sy-admin/sy-j1');
    expect(renderJob({ ...job, targetJobId: null }, NOW)).toContain('sy-admin/sy-j1 (attempt 1)');
  });
});
