/** Read-modify-write of a cluster record, retried when another writer got there first. */
import { VersionConflictError } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import type { Cluster } from '../domain/cluster.js';

/**
 * Reads the cluster, applies `change` and writes it conditionally, retrying on concurrent writes.
 * `change` returns the new record, or `undefined` to leave it as it is. Resolves `undefined` when
 * the cluster does not exist.
 */
export async function mutateCluster(
  ctx: CoreContext,
  id: string,
  change: (cluster: Cluster) => Cluster | undefined,
): Promise<{ cluster: Cluster; changed: boolean } | undefined> {
  for (let tries = 0; tries < 10; tries++) {
    const cluster = await ctx.store.clusters.get(id);
    if (!cluster) return undefined;
    const next = change(cluster);
    if (!next) return { cluster, changed: false };
    try {
      return { cluster: await ctx.store.clusters.update(next), changed: true };
    } catch (e) {
      if (!(e instanceof VersionConflictError)) throw e;
    }
  }
  throw new VersionConflictError(`cluster ${id}`);
}
