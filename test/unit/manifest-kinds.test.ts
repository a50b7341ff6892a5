/**
 * The JobSet, PyTorchJob and RayJob manifests: the upstream shapes (jobset.x-k8s.io/v1alpha2,
 * kubeflow.org/v1, ray.io/v1 field names), the gang split by role, and everything a Job carries
 * today (labels, annotations, namespace, GPU requests, node selector, toleration, deadline, TTL,
 * deterministic name). Kueue: the queue-name label and the kind's suspend field.
 */
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../shared/domain/job.js';
import { buildManifest, type WorkloadRequest } from '../../shared/targets/kubernetes/manifest.js';
import { withKueue } from '../../shared/targets/kubernetes/manifest-kueue.js';
import type { WorkloadManifest } from '../../shared/targets/kubernetes/port.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

function request(spec: Partial<JobSpec>): WorkloadRequest {
  return {
    jobId: '01jgang0000000000000000000',
    tenantId: 'acme',
    submittedBy: 'tok_1',
    spec: {
      name: 'finetune llama',
      project: 'research',
      image: 'ghcr.io/acme/train:2.0',
      command: ['torchrun', 'train.py'],
      env: { EPOCHS: '2' },
      resources: { accelerator: { type: 'nvidia-h100', count: 8 }, cpu: '32', memory: '256Gi' },
      priority: 100,
      labels: { team: 'nlp', 'switchyard.io/job-id': 'spoofed' },
      deadlineSeconds: 7200,
      ...spec,
    },
    placement: {
      clusterId: 'gcp-usc1',
      queue: 'gcp',
      namespace: 'sy-acme',
      kubeName: 'sy-01jgang0000000000000000000',
      attempt: 2,
    },
  };
}

/** What every kind's object carries, whatever its shape. */
function expectCommonMetadata(m: WorkloadManifest) {
  expect(m.metadata).toEqual({
    name: 'sy-01jgang0000000000000000000',
    namespace: 'sy-acme',
    labels: {
      team: 'nlp',
      'app.kubernetes.io/managed-by': 'switchyard',
      'switchyard.io/job-id': '01jgang0000000000000000000',
      'switchyard.io/tenant': 'acme',
      'switchyard.io/project': 'research',
    },
    annotations: {
      'switchyard.io/attempt': '2',
      'switchyard.io/job-name': 'finetune llama',
      'switchyard.io/submitted-by': 'tok_1',
    },
  });
}

/** A GPU pod template as a Job's: labels, GPUs as requests and limits, node selector, toleration. */
function expectGpuPod(template: Obj, containerName: string) {
  expect(template.metadata.labels['switchyard.io/job-id']).toBe('01jgang0000000000000000000');
  const [container] = template.spec.containers;
  expect(container.name).toBe(containerName);
  expect(container.image).toBe('ghcr.io/acme/train:2.0');
  expect(container.env).toEqual([{ name: 'EPOCHS', value: '2' }]);
  const amounts = { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '8' };
  expect(container.resources).toEqual({ requests: amounts, limits: amounts });
  expect(template.spec.nodeSelector).toEqual({ 'switchyard.io/accelerator': 'nvidia-h100' });
  expect(template.spec.tolerations).toEqual([GPU_TOLERATION]);
}

describe('buildManifest by kind', () => {
  it('absent kind and kind job: a batch/v1 Job, as before', () => {
    expect(buildManifest(request({})).kind).toBe('Job');
    const m = buildManifest(request({ kind: 'job' }));
    expect(m).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    expectCommonMetadata(m);
  });

  it('jobset: leader and workers replicated Jobs, one pod each, maxRestarts, deadline, TTL', () => {
    const m = buildManifest(
      request({
        kind: 'jobset',
        nodes: 4,
        options: { jobset: { failurePolicy: { maxRestarts: 2 } } },
      }),
      { ttlSecondsAfterFinished: 600 },
    );
    expect(m).toMatchObject({ apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet' });
    expectCommonMetadata(m);
    const spec = m.spec as Obj;
    expect(spec.failurePolicy).toEqual({ maxRestarts: 2 });
    expect(spec.successPolicy).toEqual({ operator: 'All' });
    expect(spec.ttlSecondsAfterFinished).toBe(600);
    expect(spec.replicatedJobs.map((r: Obj) => [r.name, r.replicas])).toEqual([
      ['leader', 1],
      ['workers', 3],
    ]);
    for (const r of spec.replicatedJobs as Obj[]) {
      expect(r.template.spec).toMatchObject({
        parallelism: 1,
        completions: 1,
        backoffLimit: 0,
        activeDeadlineSeconds: 7200,
      });
      expectGpuPod(r.template.spec.template, 'main');
      expect(r.template.spec.template.spec.restartPolicy).toBe('Never');
      expect(r.template.spec.template.spec.containers[0].command).toEqual(['torchrun', 'train.py']);
    }
    // Without a leader: one replicated Job of all the pods; default maxRestarts 0.
    const flat = buildManifest(
      request({ kind: 'jobset', nodes: 2, options: { jobset: { leaders: 0 } } }),
    );
    expect((flat.spec as Obj).replicatedJobs.map((r: Obj) => [r.name, r.replicas])).toEqual([
      ['workers', 2],
    ]);
    expect((flat.spec as Obj).failurePolicy).toEqual({ maxRestarts: 0 });
  });

  it('pytorchjob: Master and Worker replica specs, nprocPerNode from the GPUs, runPolicy', () => {
    const m = buildManifest(request({ kind: 'pytorchjob', nodes: 4 }));
    expect(m).toMatchObject({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob' });
    expectCommonMetadata(m);
    const spec = m.spec as Obj;
    expect(spec.nprocPerNode).toBe('8');
    expect(spec.runPolicy).toEqual({
      cleanPodPolicy: 'None',
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      activeDeadlineSeconds: 7200,
    });
    expect(Object.keys(spec.pytorchReplicaSpecs)).toEqual(['Master', 'Worker']);
    expect(spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(spec.pytorchReplicaSpecs.Worker.replicas).toBe(3);
    for (const role of ['Master', 'Worker']) {
      expect(spec.pytorchReplicaSpecs[role].restartPolicy).toBe('Never');
      expectGpuPod(spec.pytorchReplicaSpecs[role].template, 'pytorch');
    }
    const custom = buildManifest(
      request({
        kind: 'pytorchjob',
        nodes: 2,
        options: { pytorch: { nprocPerNode: 4, masters: 0 } },
      }),
    ).spec as Obj;
    expect(custom.nprocPerNode).toBe('4');
    expect(Object.keys(custom.pytorchReplicaSpecs)).toEqual(['Worker']);
    expect(custom.pytorchReplicaSpecs.Worker.replicas).toBe(2);
  });

  it('rayjob: entrypoint, head without GPUs, one worker group of the gang, shutdown, deadline', () => {
    const m = buildManifest(
      request({
        kind: 'rayjob',
        nodes: 3,
        command: undefined,
        options: { ray: { entrypoint: 'python tune.py', head: { cpu: '4' } } },
      }),
    );
    expect(m).toMatchObject({ apiVersion: 'ray.io/v1', kind: 'RayJob' });
    expectCommonMetadata(m);
    const spec = m.spec as Obj;
    expect(spec).toMatchObject({
      entrypoint: 'python tune.py',
      shutdownAfterJobFinishes: true,
      ttlSecondsAfterFinished: 3600,
      activeDeadlineSeconds: 7200,
    });
    const head = spec.rayClusterSpec.headGroupSpec;
    expect(head.rayStartParams).toEqual({});
    const [headContainer] = head.template.spec.containers;
    expect(headContainer.name).toBe('ray-head');
    const headAmounts = { cpu: '4', memory: '2Gi' };
    expect(headContainer.resources).toEqual({ requests: headAmounts, limits: headAmounts });
    expect(head.template.spec.nodeSelector).toBeUndefined();
    // No GPU asked for, but the GPU taint tolerated: a GPU-only cluster can still host the head.
    expect(head.template.spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(head.template.metadata.labels['switchyard.io/job-id']).toBe(
      '01jgang0000000000000000000',
    );
    const [group] = spec.rayClusterSpec.workerGroupSpecs;
    expect(group).toMatchObject({
      groupName: 'workers',
      replicas: 3,
      minReplicas: 3,
      maxReplicas: 3,
    });
    expectGpuPod(group.template, 'ray-worker');
    // KubeRay starts Ray in the pods and restarts them itself.
    expect(group.template.spec.containers[0].command).toBeUndefined();
    expect(group.template.spec.restartPolicy).toBeUndefined();
    const kept = buildManifest(
      request({
        kind: 'rayjob',
        command: undefined,
        options: { ray: { entrypoint: 'x', shutdownAfterJobFinishes: false } },
      }),
    ).spec as Obj;
    expect(kept.shutdownAfterJobFinishes).toBe(false);
    expect(kept.ttlSecondsAfterFinished).toBeUndefined();
  });

  it('is deterministic: the same request builds the same object of every kind', () => {
    for (const kind of ['job', 'jobset', 'pytorchjob', 'rayjob'] as const) {
      const spec: Partial<JobSpec> =
        kind === 'rayjob' ? { kind, options: { ray: { entrypoint: 'x' } } } : { kind };
      expect(JSON.stringify(buildManifest(request(spec)))).toBe(
        JSON.stringify(buildManifest(request(spec))),
      );
    }
  });
});

describe('withKueue', () => {
  it('labels the queue and suspends each kind where its API says', () => {
    const kinds = {
      job: (s: Obj) => s.suspend,
      jobset: (s: Obj) => s.suspend,
      pytorchjob: (s: Obj) => s.runPolicy.suspend,
      rayjob: (s: Obj) => s.suspend,
    };
    for (const [kind, suspendOf] of Object.entries(kinds)) {
      const spec: Partial<JobSpec> =
        kind === 'rayjob'
          ? { kind, options: { ray: { entrypoint: 'x' } } }
          : { kind: kind as JobSpec['kind'] };
      const plain = buildManifest(request(spec));
      const queued = withKueue(plain, 'team-a');
      expect(queued.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('team-a');
      expect(suspendOf(queued.spec as Obj)).toBe(true);
      // The original is untouched, and the rest of the object is the same.
      expect(plain.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
      expect(suspendOf(plain.spec as Obj)).toBeUndefined();
      expect(queued.metadata.name).toBe(plain.metadata.name);
    }
    const pt = withKueue(buildManifest(request({ kind: 'pytorchjob', nodes: 2 })), 'q').spec as Obj;
    expect(pt.runPolicy.activeDeadlineSeconds).toBe(7200);
  });
});
