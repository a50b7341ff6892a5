/**
 * The JobSet (`jobset.x-k8s.io/v1alpha2`) for a gang: a `leader` replicated Job (0 or 1 pod) and a
 * `workers` one with the rest, one single-pod Job per replica, no in-cluster retries unless
 * `failurePolicy.maxRestarts` allows whole-set restarts. Field names follow the upstream JobSet API.
 */
import type { JobSetManifest } from './port.js';
import {
  DEFAULT_TTL_SECONDS_AFTER_FINISHED,
  podTemplate,
  workloadMetadata,
  type ManifestOptions,
  type WorkloadRequest,
} from './manifest-pod.js';
import { gangSplit } from '../../domain/kind-options.js';

function replicatedJob(job: WorkloadRequest, name: string, replicas: number) {
  const jobSpec: Record<string, unknown> = { parallelism: 1, completions: 1, backoffLimit: 0 };
  if (job.spec.deadlineSeconds !== undefined) {
    jobSpec.activeDeadlineSeconds = job.spec.deadlineSeconds;
  }
  jobSpec.template = podTemplate(job);
  return { name, replicas, template: { metadata: podTemplate(job).metadata, spec: jobSpec } };
}

export function buildJobSetManifest(
  job: WorkloadRequest,
  options: ManifestOptions = {},
): JobSetManifest {
  const opts = job.spec.options?.jobset;
  const { first: leaders, rest: workers } = gangSplit(opts?.leaders, job.spec.nodes);
  const replicatedJobs = [];
  if (leaders > 0) replicatedJobs.push(replicatedJob(job, 'leader', leaders));
  if (workers > 0) replicatedJobs.push(replicatedJob(job, 'workers', workers));
  return {
    apiVersion: 'jobset.x-k8s.io/v1alpha2',
    kind: 'JobSet',
    metadata: workloadMetadata(job),
    spec: {
      failurePolicy: { maxRestarts: opts?.failurePolicy?.maxRestarts ?? 0 },
      successPolicy: { operator: 'All' },
      ttlSecondsAfterFinished:
        options.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED,
      replicatedJobs,
    },
  };
}
