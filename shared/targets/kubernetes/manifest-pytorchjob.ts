/**
 * The Kubeflow PyTorchJob (`kubeflow.org/v1`) for a gang: a Master replica (0 or 1) and Workers
 * for the rest, each pod running the job's image in the `pytorch` container the training operator
 * looks for, `nprocPerNode` defaulting to the per-node GPU count, and a `runPolicy` with no
 * in-cluster retries, the deadline and the TTL. Field names follow the upstream training-operator API.
 */
import type { PyTorchJobManifest } from './port.js';
import {
  DEFAULT_TTL_SECONDS_AFTER_FINISHED,
  podTemplate,
  workloadMetadata,
  type ManifestOptions,
  type WorkloadRequest,
} from './manifest-pod.js';
import { gangSplit } from '../../domain/kind-options.js';

export function buildPyTorchJobManifest(
  job: WorkloadRequest,
  options: ManifestOptions = {},
): PyTorchJobManifest {
  const { spec } = job;
  const opts = spec.options?.pytorch;
  const { first: masters, rest: workers } = gangSplit(opts?.masters, spec.nodes);
  const replica = (replicas: number) => ({
    replicas,
    restartPolicy: 'Never',
    template: podTemplate(job, { containerName: 'pytorch' }),
  });
  const replicaSpecs: Record<string, unknown> = {};
  if (masters > 0) replicaSpecs.Master = replica(masters);
  if (workers > 0) replicaSpecs.Worker = replica(workers);
  const runPolicy: Record<string, unknown> = {
    cleanPodPolicy: 'None',
    backoffLimit: 0,
    ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED,
  };
  if (spec.deadlineSeconds !== undefined) runPolicy.activeDeadlineSeconds = spec.deadlineSeconds;
  const gpus = spec.resources.accelerator?.count ?? 0;
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: workloadMetadata(job),
    spec: {
      // A string in the v1 API ("auto", "cpu", "gpu" or a number).
      nprocPerNode: String(opts?.nprocPerNode ?? (gpus > 0 ? gpus : 1)),
      runPolicy,
      pytorchReplicaSpecs: replicaSpecs,
    },
  };
}
