// The CLI shows a job's workload kind and its gang (nodes × GPUs) in `jobs`, `job` and `submit`,
// and each replica's pod as the drainer reported it in `job` (a summary in `jobs` and `status`).
import { describe, expect, it } from 'vitest';
import { renderJobList } from '../../functions/cli/commands/jobs.js';
import { accelerator, renderJob, workload, type JobView } from '../../functions/cli/views.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

function aJob(spec: Partial<JobView['spec']>): JobView {
  return {
    id: 'j1',
    state: 'running',
    name: 'finetune',
    project: 'research',
    spec: { image: 'trainer', ...spec },
    clusterId: 'gcp-h100',
    kubernetes: null,
    decision: null,
    events: [],
    createdAt: '2026-11-29T11:59:00Z',
    updatedAt: '2026-11-29T11:59:30Z',
  };
}

const gang = aJob({
  kind: 'pytorchjob',
  nodes: 2,
  resources: { accelerator: { type: 'nvidia-h100', count: 8 } },
});
const single = aJob({ resources: { accelerator: { type: 'nvidia-a100', count: 1 } } });

describe('gangs in the CLI', () => {
  it('names the kind and the gang, and a single pod as before', () => {
    expect(workload(gang)).toBe('pytorchjob × 2');
    expect(accelerator(gang)).toBe('2 × 8 nvidia-h100 = 16 GPUs');
    expect(workload(single)).toBe('job');
    expect(accelerator(single)).toBe('1 x nvidia-a100');
  });

  it('lists kind and GPUs per job, and shows them in the job view', () => {
    const list = renderJobList([gang, single], NOW).split('\n');
    expect(list[0]).toMatch(/^ID\s+NAME\s+PROJECT\s+KIND\s+GPUS\s+STATE\s+CLUSTER\s+AGE$/);
    expect(list[1]).toMatch(/pytorchjob × 2\s+2 × 8 nvidia-h100 = 16 GPUs\s+running/);
    expect(list[2]).toMatch(/job\s+1 x nvidia-a100\s+running/);
    const view = renderJob(gang, NOW);
    expect(view).toMatch(/^kind: +pytorchjob × 2$/m);
    expect(view).toMatch(/^accelerator: 2 × 8 nvidia-h100 = 16 GPUs$/m);
  });

  it("shows each replica's state in the job view and a summary in the list", () => {
    const failed: JobView = {
      ...gang,
      state: 'failed',
      replicas: [
        {
          role: 'master',
          index: 0,
          pod: 'sy-j1-master-0',
          node: 'gke-h100-n0',
          phase: 'Succeeded',
          exitCode: 0,
          reason: 'Completed',
        },
        {
          role: 'worker',
          index: 0,
          pod: 'sy-j1-worker-0',
          node: 'gke-h100-n1',
          phase: 'Failed',
          exitCode: 7,
          reason: 'Error',
        },
      ],
    };
    const view = renderJob(failed, NOW);
    expect(view).toMatch(/^Replicas\n {2}REPLICA +POD +NODE +PHASE +ENDED$/m);
    expect(view).toMatch(
      /^ {2}master 0 +sy-j1-master-0 +gke-h100-n0 +Succeeded +exit 0 \(Completed\)$/m,
    );
    expect(view).toMatch(/^ {2}worker 0 +sy-j1-worker-0 +gke-h100-n1 +Failed +exit 7 \(Error\)$/m);
    expect(renderJobList([failed], NOW)).toMatch(
      /failed: 1 Succeeded, 1 Failed \(worker 0 exit 7\)\s+gcp-h100/,
    );
    // Without replicas (a single pod, or an older server) neither shows.
    expect(renderJob(gang, NOW)).not.toMatch(/Replicas/);
    expect(renderJobList([gang], NOW)).toMatch(/16 GPUs\s+running\s+gcp-h100/);
  });
});
