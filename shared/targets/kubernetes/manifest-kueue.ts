/**
 * Handing a workload to a cluster's Kueue: the `kueue.x-k8s.io/queue-name` label naming the
 * LocalQueue, and the object created suspended so Kueue admits (unsuspends) it when its quota
 * allows — `spec.suspend` for Job, JobSet and RayJob, `spec.runPolicy.suspend` for PyTorchJob.
 */
import type { WorkloadManifest } from './port.js';
import { KUEUE_QUEUE_LABEL } from './workload-kinds.js';

/** A copy of `manifest` queued on `localQueue` and suspended. */
export function withKueue<M extends WorkloadManifest>(manifest: M, localQueue: string): M {
  const metadata = {
    ...manifest.metadata,
    labels: { ...manifest.metadata.labels, [KUEUE_QUEUE_LABEL]: localQueue },
  };
  const spec = { ...manifest.spec };
  if (manifest.kind === 'PyTorchJob') {
    spec.runPolicy = { ...(spec.runPolicy as Record<string, unknown>), suspend: true };
  } else {
    spec.suspend = true;
  }
  return { ...manifest, metadata, spec };
}
