// Which replica a pod's output is shipped as (shared/targets/kubernetes/pod-logs.node.ts): the
// labels each workload kind's controller sets, checked so that a gang's pods never share a number.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { replicaOf } from '../../shared/targets/kubernetes/pod-logs.node.js';

const pod = (labels: Record<string, string>, env: Record<string, string> = {}): V1Pod => ({
  metadata: { name: 'p', labels },
  spec: {
    containers: [{ name: 'c', env: Object.entries(env).map(([name, value]) => ({ name, value })) }],
  },
});

describe('replicaOf', () => {
  it("a JobSet pod is its child Job's global index, not the per-Job completion index (0 in each)", () => {
    const jobset = (global: string) =>
      pod({
        'jobset.sigs.k8s.io/job-index': '0',
        'jobset.sigs.k8s.io/job-global-index': global,
        'batch.kubernetes.io/job-completion-index': '0',
      });
    expect([replicaOf(jobset('0')), replicaOf(jobset('1')), replicaOf(jobset('2'))]).toEqual([
      0, 1, 2,
    ]);
  });

  it('a PyTorchJob pod is its RANK: Master 0 and Worker 0 are replicas 0 and 1', () => {
    const kf = (type: string, index: string, rank: string) =>
      pod(
        {
          'training.kubeflow.org/replica-type': type,
          'training.kubeflow.org/replica-index': index,
        },
        { RANK: rank },
      );
    expect(replicaOf(kf('master', '0', '0'))).toBe(0);
    expect(replicaOf(kf('worker', '0', '1'))).toBe(1);
    expect(replicaOf(kf('worker', '1', '2'))).toBe(2);
  });

  it('an Indexed Job pod is its completion index; a pod with no index is 0', () => {
    expect(replicaOf(pod({ 'batch.kubernetes.io/job-completion-index': '3' }))).toBe(3);
    expect(replicaOf(pod({ 'batch.kubernetes.io/job-completion-index': 'x' }))).toBe(0);
    expect(replicaOf(pod({}))).toBe(0);
  });
});
