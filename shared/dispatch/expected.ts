/**
 * Which jobs the control plane expects a live Kubernetes Job for on a cluster: those placed there
 * in state submitted or running. A drainer without a watch (the push function's reconcile) lists
 * the cluster and reports each expected job it did not find as `deleted`, which fails it with
 * `KubernetesJobDeleted` exactly as the pull drainer's watch does. Edge-safe.
 */
import type { ExpectedJob } from '../protocol/control-port.js';
import type { DispatchContext } from './context.js';

/** More than any one cluster holds at once; the in-flight sweep uses the same bound. */
const LIMIT = 10_000;

export async function expectedOn(ctx: DispatchContext, clusterId: string): Promise<ExpectedJob[]> {
  const jobs = await ctx.store.jobs.listByState(['submitted', 'running'], LIMIT);
  return jobs.flatMap((j) =>
    j.placement?.clusterId === clusterId
      ? [
          {
            jobId: j.id,
            attempt: j.placement.attempt,
            namespace: j.placement.namespace,
            kubeName: j.placement.kubeName,
            ...(j.traceId ? { traceId: j.traceId } : {}),
          },
        ]
      : [],
  );
}
