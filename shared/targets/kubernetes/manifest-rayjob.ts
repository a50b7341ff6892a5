/**
 * The KubeRay RayJob (`ray.io/v1`) for a gang: a head pod (no GPUs; `options.ray.head` or cpu 1,
 * memory 2Gi, tolerating the GPU taint so a GPU-only cluster can host it) and one worker group of `nodes` pods with the job's resources, the `entrypoint`
 * the submitter runs, the Ray cluster shut down after the job by default, and the deadline as
 * `activeDeadlineSeconds`. Field names follow the upstream KubeRay API.
 */
import type { RayJobManifest } from './port.js';
import {
  DEFAULT_TTL_SECONDS_AFTER_FINISHED,
  podTemplate,
  workloadMetadata,
  type ManifestOptions,
  type WorkloadRequest,
} from './manifest-pod.js';

export const DEFAULT_RAY_HEAD = { cpu: '1', memory: '2Gi' };

export function buildRayJobManifest(
  job: WorkloadRequest,
  options: ManifestOptions = {},
): RayJobManifest {
  const { spec } = job;
  const opts = spec.options?.ray;
  const workers = Math.max(spec.nodes ?? 1, 1);
  const shutdown = opts?.shutdownAfterJobFinishes ?? true;
  const gpuGang = (spec.resources.accelerator?.count ?? 0) > 0;
  const rayJob: Record<string, unknown> = {
    entrypoint: opts?.entrypoint ?? '',
    shutdownAfterJobFinishes: shutdown,
  };
  // KubeRay only deletes the cluster after the TTL when it shuts it down at all.
  if (shutdown) {
    rayJob.ttlSecondsAfterFinished =
      options.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED;
  }
  if (spec.deadlineSeconds !== undefined) rayJob.activeDeadlineSeconds = spec.deadlineSeconds;
  // Ray pods run `ray start` from KubeRay; the job's own command is the entrypoint.
  const common = { withoutCommand: true, restartPolicy: undefined } as const;
  rayJob.rayClusterSpec = {
    headGroupSpec: {
      rayStartParams: {},
      template: podTemplate(job, {
        ...common,
        containerName: 'ray-head',
        resources: { ...DEFAULT_RAY_HEAD, ...opts?.head },
        // GPU-only clusters (every node tainted) must still be able to host the head.
        tolerateGpuTaint: gpuGang,
      }),
    },
    workerGroupSpecs: [
      {
        groupName: 'workers',
        replicas: workers,
        minReplicas: workers,
        maxReplicas: workers,
        rayStartParams: {},
        template: podTemplate(job, { ...common, containerName: 'ray-worker' }),
      },
    ],
  };
  return { apiVersion: 'ray.io/v1', kind: 'RayJob', metadata: workloadMetadata(job), spec: rayJob };
}
