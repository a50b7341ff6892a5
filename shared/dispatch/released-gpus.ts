/**
 * A job that ends or is cancelled gives its GPUs back to its cluster's last capacity report at
 * once. The report counts the job's pod as long as it ran when the drainer last read the cluster,
 * and the next heartbeat may be seconds away: without this, work waiting for those GPUs (or for
 * the quota the job held) is placed on a dearer cluster meanwhile. The GPUs given back are
 * bounded by what the report shows in use beyond what Switchyard still has placed there, so a
 * report taken before the job's pod ran gains nothing; the next heartbeat replaces it anyway.
 * A gang gives back every pod's GPUs, and its nodes' room in `freePerNode` as far as it is sure.
 */
import { jobLogger } from '../base/job-log.js';
import { mutateCluster } from '../clusters/mutate.js';
import type { Cluster } from '../domain/cluster.js';
import type { DispatchContext } from './context.js';
import type { Job } from '../domain/job.js';
import { jobGpus } from '../placement/gang.js';

export async function releaseReportedGpus(ctx: DispatchContext, job: Job): Promise<void> {
  const acc = job.spec.resources.accelerator;
  const clusterId = job.placement?.clusterId;
  if (!acc || !clusterId) return;
  const key = `cluster:${clusterId}:${acc.type}`;
  try {
    // Read after the job's own release: what Switchyard still has placed on the cluster.
    const placed = (await ctx.store.usage.get([key]))[key] ?? 0;
    await mutateCluster(ctx, clusterId, (cluster) =>
      giveBack(cluster, acc.type, acc.count, jobGpus(job.spec), placed),
    );
  } catch (e) {
    // Best effort: the next heartbeat brings the same news.
    jobLogger(ctx.log, job.id, job.traceId).warn('could not mark the GPUs of an ended job free', {
      cluster: clusterId,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

/**
 * The cluster with up to `gpus` GPUs of `type` (pods of `count`) back in its report, or undefined
 * for none.
 */
export function giveBack(
  cluster: Cluster,
  type: string,
  count: number,
  gpus: number,
  placed: number,
): Cluster | undefined {
  const capacity = cluster.capacity;
  const report = capacity?.accelerators[type];
  if (!capacity || !report) return undefined;
  const back = Math.min(gpus, report.total - report.free - placed);
  if (back <= 0) return undefined;
  const freed = {
    ...report,
    free: report.free + back,
    // A pod ran on one node, which has at least what it held free now.
    maxFreePerNode: Math.max(report.maxFreePerNode, Math.min(back, count)),
    ...(report.freePerNode && {
      freePerNode: roomBack(cluster, type, report.freePerNode, count, back),
    }),
  };
  return {
    ...cluster,
    capacity: { ...capacity, accelerators: { ...capacity.accelerators, [type]: freed } },
  };
}

/**
 * `freePerNode` after `back` GPUs of pods of `count` came back: the pods that ended left at least
 * `count` free on each node they ran on, and they ran on at least `back / (count × pods a node
 * holds)` distinct nodes; which nodes is unknown, so the list raises only its largest entries to
 * `count`. Every threshold's count of nodes with room stays a lower bound of the truth.
 */
function roomBack(
  cluster: Cluster,
  type: string,
  perNode: readonly number[],
  count: number,
  back: number,
): number[] {
  if (count <= 0) return [...perNode];
  const largest = Math.max(
    count,
    ...cluster.pools.filter((p) => p.accelerator === type).map((p) => p.gpusPerNode),
  );
  const pods = Math.floor(back / count);
  const nodes = Math.min(
    perNode.length,
    Math.ceil(pods / Math.max(1, Math.floor(largest / count))),
  );
  return perNode.map((f, i) => (i < nodes ? Math.max(f, count) : f));
}
