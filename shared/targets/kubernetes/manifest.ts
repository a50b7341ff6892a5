/**
 * The Kubernetes object for a placed job: a pure function of the dispatch request, so a
 * redelivered dispatch builds the very same object (deterministic name, origin labels) and the
 * cluster's 409 tells a redelivery apart from a foreign object. The kind decides the shape:
 * a `batch/v1` Job here, a JobSet, PyTorchJob or RayJob in the manifest-*.ts beside it.
 * Edge-safe, no I/O.
 */
import type { KubeJobManifest, WorkloadManifest } from './port.js';
import {
  DEFAULT_TTL_SECONDS_AFTER_FINISHED,
  podTemplate,
  workloadMetadata,
  type ManifestOptions,
  type WorkloadRequest,
} from './manifest-pod.js';
import { buildJobSetManifest } from './manifest-jobset.js';
import { buildPyTorchJobManifest } from './manifest-pytorchjob.js';
import { buildRayJobManifest } from './manifest-rayjob.js';

// The shared parts moved to manifest-pod.ts; re-exported for callers that import them from here.
export {
  DEFAULT_TTL_SECONDS_AFTER_FINISHED,
  isLabelKey,
  isLabelValue,
  sanitizeLabelValue,
  type ManifestOptions,
  type WorkloadRequest,
} from './manifest-pod.js';

/**
 * The `batch/v1` Job for `job` at its placement: no retries inside the cluster (`backoffLimit: 0`;
 * Switchyard decides about retries; a disruption fails it as `PodFailurePolicy`), cleaned up after `ttlSecondsAfterFinished`, bounded by the
 * job's deadline, and for GPU jobs pinned to nodes of the requested accelerator type.
 */
export function buildJobManifest(
  job: WorkloadRequest,
  options: ManifestOptions = {},
): KubeJobManifest {
  const jobSpec: Record<string, unknown> = {
    backoffLimit: 0,
    // A disrupted pod (node lost, evicted, preempted) fails the Job with reason PodFailurePolicy,
    // so the cause stays on the Job after the pod is gone and Switchyard retries it elsewhere.
    podFailurePolicy: {
      rules: [
        { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    },
    ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED,
  };
  if (job.spec.deadlineSeconds !== undefined) {
    jobSpec.activeDeadlineSeconds = job.spec.deadlineSeconds;
  }
  jobSpec.template = podTemplate(job);
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: workloadMetadata(job), spec: jobSpec };
}

/** The object of the job's kind (absent kind: a Job). */
export function buildManifest(
  job: WorkloadRequest,
  options: ManifestOptions = {},
): WorkloadManifest {
  switch (job.spec.kind ?? 'job') {
    case 'jobset':
      return buildJobSetManifest(job, options);
    case 'pytorchjob':
      return buildPyTorchJobManifest(job, options);
    case 'rayjob':
      return buildRayJobManifest(job, options);
    case 'job':
      return buildJobManifest(job, options);
  }
}
