/**
 * The clusters a remote drainer serves, from `DRAINER_CLUSTERS` (`id=context:NAME`,
 * `id=server:URL` or `id=in-cluster`, comma-separated): one client-node driver each. Shared by the
 * pull drainer (functions/drainer) and the push function (functions/drainer-fn).
 */
import { AppError } from '../../shared/base/errors.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import type { ClusterDriver } from '../../shared/targets/kubernetes/port.js';

export function clusterDrivers(
  spec: string,
  kubeconfig: string | undefined,
): Map<string, ClusterDriver> {
  const drivers = new Map<string, ClusterDriver>();
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9-]{3,63})=(context:(.+)|server:(https?:\/\/\S+)|in-cluster)$/.exec(entry);
    if (!m)
      throw new AppError(
        'INVALID_CONFIG',
        `DRAINER_CLUSTERS entry "${entry}" is not id=context:NAME, id=server:URL or id=in-cluster`,
      );
    const [, id, , context, server] = m;
    const clusterId = id!;
    if (context)
      drivers.set(
        clusterId,
        createKubernetesCluster({
          clusterId,
          kubeconfig: { ...(kubeconfig ? { file: kubeconfig } : {}), context },
        }),
      );
    else if (server)
      drivers.set(clusterId, createKubernetesCluster({ clusterId, kubeconfig: { server } }));
    else drivers.set(clusterId, createKubernetesCluster({ clusterId, inCluster: true }));
  }
  return drivers;
}
