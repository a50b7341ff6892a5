/**
 * The clusters a remote drainer serves, from `DRAINER_CLUSTERS` (`id=context:NAME`,
 * `id=server:URL` or `id=in-cluster`, comma-separated): one client-node driver each, handing its
 * workloads to a Kueue LocalQueue where `DRAINER_KUEUE` names one (`id=QUEUE`, comma-separated).
 * Shared by the pull drainer (functions/drainer) and the push function (functions/drainer-fn).
 */
import { AppError } from '../../shared/base/errors.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import type { ClusterDriver } from '../../shared/targets/kubernetes/port.js';

const LOCAL_QUEUE = /^([a-z0-9-]{3,63})=([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/;

/** `DRAINER_KUEUE` as cluster id → LocalQueue, refusing entries for clusters not served. */
function kueueQueues(spec: string | undefined, ids: readonly string[]): Map<string, string> {
  const queues = new Map<string, string>();
  for (const entry of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = LOCAL_QUEUE.exec(entry);
    if (!m)
      throw new AppError(
        'INVALID_CONFIG',
        `DRAINER_KUEUE entry "${entry}" is not id=LOCALQUEUE (a cluster id of DRAINER_CLUSTERS and a LocalQueue name)`,
      );
    if (!ids.includes(m[1]!))
      throw new AppError(
        'INVALID_CONFIG',
        `DRAINER_KUEUE names cluster ${m[1]}, which DRAINER_CLUSTERS does not list (${ids.join(', ')})`,
      );
    queues.set(m[1]!, m[2]!);
  }
  return queues;
}

/** `deployment`: this deployment's id (deployment.node.ts), which scopes each driver's workloads. */
export function clusterDrivers(
  spec: string,
  kubeconfig: string | undefined,
  kueueSpec?: string,
  deployment?: string,
): Map<string, ClusterDriver> {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const queues = kueueQueues(
    kueueSpec,
    entries.map((e) => e.split('=')[0]!),
  );
  const drivers = new Map<string, ClusterDriver>();
  for (const entry of entries) {
    const m = /^([a-z0-9-]{3,63})=(context:(.+)|server:(https?:\/\/\S+)|in-cluster)$/.exec(entry);
    if (!m)
      throw new AppError(
        'INVALID_CONFIG',
        `DRAINER_CLUSTERS entry "${entry}" is not id=context:NAME, id=server:URL or id=in-cluster`,
      );
    const [, id, , context, server] = m;
    const clusterId = id!;
    const queue = queues.get(clusterId);
    const kueue = {
      ...(deployment ? { deployment } : {}),
      ...(queue ? { kueue: { localQueue: queue } } : {}),
    };
    if (context)
      drivers.set(
        clusterId,
        createKubernetesCluster({
          clusterId,
          kubeconfig: { ...(kubeconfig ? { file: kubeconfig } : {}), context },
          ...kueue,
        }),
      );
    else if (server)
      drivers.set(
        clusterId,
        createKubernetesCluster({ clusterId, kubeconfig: { server }, ...kueue }),
      );
    else drivers.set(clusterId, createKubernetesCluster({ clusterId, inCluster: true, ...kueue }));
  }
  return drivers;
}
