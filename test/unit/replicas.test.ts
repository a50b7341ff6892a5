// A gang's pods as replicas, from the labels the real controllers set: role and index, node,
// phase, how the container ended; a restarted replica keeps its newest pod; bounded.
import { describe, expect, it } from 'vitest';
import { MAX_REPLICAS } from '../../shared/domain/replica.js';
import { replicasOf, type ReplicaPod } from '../../shared/targets/kubernetes/replicas.js';

const pod = (
  name: string,
  labels: Record<string, string>,
  phase: string,
  extra: { node?: string; exit?: [number, string]; created?: string } = {},
): ReplicaPod => ({
  metadata: { name, labels, creationTimestamp: extra.created ?? '2026-11-29T12:00:00Z' },
  ...(extra.node ? { spec: { nodeName: extra.node } } : {}),
  status: {
    phase,
    ...(extra.exit
      ? {
          containerStatuses: [
            { state: { terminated: { exitCode: extra.exit[0], reason: extra.exit[1] } } },
          ],
        }
      : {}),
  },
});

const kf = (type: string, i: number) => ({
  'training.kubeflow.org/replica-type': type,
  'training.kubeflow.org/replica-index': String(i),
});

describe('replicasOf', () => {
  it('names role, index, node, phase and a failed container of a PyTorchJob', () => {
    const r = replicasOf([
      pod('pt-worker-1', kf('worker', 1), 'Failed', { node: 'n2', exit: [7, 'Error'] }),
      pod('pt-master-0', kf('master', 0), 'Running', { node: 'n0' }),
      pod('pt-worker-0', kf('worker', 0), 'Pending'),
    ]);
    expect(r).toEqual([
      { role: 'master', index: 0, pod: 'pt-master-0', node: 'n0', phase: 'Running' },
      { role: 'worker', index: 0, pod: 'pt-worker-0', phase: 'Pending' },
      {
        role: 'worker',
        index: 1,
        pod: 'pt-worker-1',
        node: 'n2',
        phase: 'Failed',
        exitCode: 7,
        reason: 'Error',
      },
    ]);
  });

  it("numbers Ray workers by name, the head first; keeps a restarted replica's newest pod", () => {
    const ray = replicasOf([
      pod('rj-worker-b', { 'ray.io/node-type': 'worker' }, 'Running'),
      pod('rj-head', { 'ray.io/node-type': 'head' }, 'Running'),
      pod('rj-worker-a', { 'ray.io/node-type': 'worker' }, 'Running'),
    ]);
    expect(ray.map((x) => [x.role, x.index, x.pod])).toEqual([
      ['head', 0, 'rj-head'],
      ['worker', 0, 'rj-worker-a'],
      ['worker', 1, 'rj-worker-b'],
    ]);
    const js = (i: number) => ({
      'jobset.sigs.k8s.io/replicatedjob-name': 'workers',
      'jobset.sigs.k8s.io/job-index': String(i),
    });
    const restarted = replicasOf([
      pod('js-0-old', js(0), 'Failed', { exit: [1, 'Error'], created: '2026-11-29T12:00:00Z' }),
      pod('js-0-new', js(0), 'Running', { created: '2026-11-29T12:05:00Z' }),
    ]);
    expect(restarted).toEqual([{ role: 'workers', index: 0, pod: 'js-0-new', phase: 'Running' }]);
  });

  it('keeps at most MAX_REPLICAS', () => {
    const many = Array.from({ length: MAX_REPLICAS + 10 }, (_, i) =>
      pod(`p-${i}`, kf('worker', i), 'Running'),
    );
    const r = replicasOf(many);
    expect(r).toHaveLength(MAX_REPLICAS);
    expect(r.at(-1)?.index).toBe(MAX_REPLICAS - 1);
  });
});
