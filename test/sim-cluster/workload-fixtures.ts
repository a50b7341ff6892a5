/** Manifests of the gang workload kinds for the simulated-cluster tests, in the upstream shapes. */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { kubeConfig } from './helpers.js';

export interface GangOptions {
  name: string;
  namespace?: string;
  /** GPUs per pod. */
  gpus?: number;
  seconds?: number;
  exitCode?: number;
  failReplica?: string;
  jobId?: string;
  queue?: string;
  suspend?: boolean;
}

const GPU_TOLERATION = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];

export function podTemplate(o: GangOptions, container = 'main') {
  const env = [{ name: 'SIM_DURATION_SECONDS', value: String(o.seconds ?? 1) }];
  if (o.exitCode !== undefined) env.push({ name: 'SIM_EXIT_CODE', value: String(o.exitCode) });
  if (o.failReplica) env.push({ name: 'SIM_FAIL_REPLICA', value: o.failReplica });
  return {
    metadata: { labels: { app: 'trainer' } },
    spec: {
      restartPolicy: 'Never',
      nodeSelector: { 'switchyard.io/accelerator': 'nvidia-a100' },
      tolerations: GPU_TOLERATION,
      containers: [
        {
          name: container,
          image: 'ghcr.io/example/train:1',
          env,
          resources: { limits: { 'nvidia.com/gpu': String(o.gpus ?? 1) } },
        },
      ],
    },
  };
}

function meta(o: GangOptions) {
  const labels: Record<string, string> = {};
  if (o.jobId) labels['switchyard.io/job-id'] = o.jobId;
  if (o.queue) labels['kueue.x-k8s.io/queue-name'] = o.queue;
  return { name: o.name, namespace: o.namespace ?? 'default', labels };
}

export function pytorchJob(o: GangOptions & { workers?: number }) {
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: meta(o),
    spec: {
      nprocPerNode: String(o.gpus ?? 1),
      runPolicy: { cleanPodPolicy: 'Running', ...(o.suspend ? { suspend: true } : {}) },
      pytorchReplicaSpecs: {
        Master: { replicas: 1, restartPolicy: 'Never', template: podTemplate(o, 'pytorch') },
        Worker: {
          replicas: o.workers ?? 1,
          restartPolicy: 'Never',
          template: podTemplate(o, 'pytorch'),
        },
      },
    },
  };
}

export function jobSet(o: GangOptions & { replicas?: number }) {
  return {
    apiVersion: 'jobset.x-k8s.io/v1alpha2',
    kind: 'JobSet',
    metadata: meta(o),
    spec: {
      ...(o.suspend ? { suspend: true } : {}),
      failurePolicy: { maxRestarts: 0 },
      replicatedJobs: [
        {
          name: 'workers',
          replicas: o.replicas ?? 2,
          template: {
            spec: { parallelism: 1, completions: 1, backoffLimit: 0, template: podTemplate(o) },
          },
        },
      ],
    },
  };
}

export function rayJob(o: GangOptions & { workers?: number }) {
  return {
    apiVersion: 'ray.io/v1',
    kind: 'RayJob',
    metadata: meta(o),
    spec: {
      entrypoint: 'python train.py',
      shutdownAfterJobFinishes: true,
      ...(o.suspend ? { suspend: true } : {}),
      rayClusterSpec: {
        rayVersion: '2.9.0',
        headGroupSpec: { rayStartParams: {}, template: podTemplate(o, 'ray-head') },
        workerGroupSpecs: [
          {
            groupName: 'gpu',
            replicas: o.workers ?? 1,
            rayStartParams: {},
            template: podTemplate({ ...o, seconds: 3600 }, 'ray-worker'),
          },
        ],
      },
    },
  };
}

export const GROUPS = {
  pytorchjobs: { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs' },
  jobsets: { group: 'jobset.x-k8s.io', version: 'v1alpha2', plural: 'jobsets' },
  rayjobs: { group: 'ray.io', version: 'v1', plural: 'rayjobs' },
} as const;

export function customObjects(url: string): CustomObjectsApi {
  return kubeConfig(url).makeApiClient(CustomObjectsApi);
}

type Obj = { status?: Record<string, unknown>; spec?: Record<string, unknown> };

export function conditionIs(o: Obj, type: string): boolean {
  const list = (o.status?.conditions ?? []) as { type: string; status: string }[];
  return list.some((c) => c.type === type && c.status === 'True');
}
