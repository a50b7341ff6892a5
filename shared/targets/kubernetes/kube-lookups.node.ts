/**
 * Reads the Kubernetes driver makes on the side: API discovery (which workload kinds and whether
 * Kueue the cluster serves, cached for a TTL), the pods of one workload (a Job's by its controller
 * uid or name, the CRD kinds' by Switchyard's job-id label), and the heartbeat's capacity.
 */
import type { Clock } from '../../base/clock.js';
import type { WorkloadKind } from '../../domain/job.js';
import type { Clients } from './kube-clients.node.js';
import { LABEL_JOB_ID } from './labels.js';
import type { KubeJobStatus } from './port.js';
import { ClusterError } from './port.js';
import { kindsFromGroups } from './workload-kinds.js';
import type { CapacityReport } from '../../domain/cluster.js';
import { capacityFromKube, type NodeLike, type PodLike } from './kube-status.js';
import { versionOf, type VersionedNode } from './node-version.js';

const PODS_UNFINISHED = `/api/v1/pods?fieldSelector=${encodeURIComponent('status.phase!=Succeeded,status.phase!=Failed')}`;

/**
 * Live capacity: every node and every unfinished pod, as plain JSON lists (kube-http.node.ts;
 * client-node's typed models cost tens of µs an object, on every heartbeat), and what the API
 * serves. `reportedAt` is read once the lists are in.
 */
export async function readCapacity(
  call: KubeCall,
  discover: (fresh?: boolean) => Promise<Served>,
  reportedAt: () => string,
): Promise<CapacityReport> {
  const [nodes, pods, found] = await Promise.all([
    call('listing nodes', (c) =>
      c.getJson<{ items: (NodeLike & VersionedNode)[] }>('/api/v1/nodes'),
    ),
    call('listing pods', (c) => c.getJson<{ items: PodLike[] }>(PODS_UNFINISHED)),
    discover(true),
  ]);
  return {
    ...capacityFromKube(nodes.items, pods.items, reportedAt()),
    kinds: [...found.kinds],
    kueue: found.kueue,
    ...versionOf(nodes.items),
  };
}

/** Sends one rate-limited, classified request with the driver's clients. */
export type KubeCall = <T>(what: string, send: (c: Clients) => Promise<T>) => Promise<T>;

/** Set by the Job controller on its pods (Kubernetes ≥ 1.27). */
const LABEL_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
/** Set by the Job controller on its pods (also as `batch.kubernetes.io/job-name` since 1.27). */
const LABEL_JOB_NAME = 'job-name';

export interface Served {
  kinds: WorkloadKind[];
  kueue: boolean;
  at: number;
}

/** The kinds and Kueue the cluster serves, from `GET /apis` at most once per `ttlMs`. */
export function createDiscovery(
  call: KubeCall,
  clock: Clock,
  ttlMs: number,
): (fresh?: boolean) => Promise<Served> {
  let served: Served | undefined;
  return async (fresh = false) => {
    const now = clock.now();
    if (!fresh && served && now - served.at < ttlMs) return served;
    try {
      const list = await call('discovering API groups', (c) => c.apis.getAPIVersions());
      const versions = (list.groups ?? []).flatMap((g) => g.versions.map((v) => v.groupVersion));
      served = { ...kindsFromGroups(versions), at: now };
    } catch (error) {
      // A server without group discovery serves Jobs only; anything else is the caller's problem.
      if (!(error instanceof ClusterError) || error.statusCode !== 404) throw error;
      served = { kinds: ['job'], kueue: false, at: now };
    }
    return served;
  };
}

/** Pods of a workload: a Job's by its uid or name; the CRD kinds' by Switchyard's job-id label. */
export async function podsOf(
  call: KubeCall,
  kind: WorkloadKind,
  status: KubeJobStatus,
  byUid: boolean,
) {
  const { namespace, name, uid } = status;
  const selector =
    kind !== 'job'
      ? `${LABEL_JOB_ID}=${status.labels[LABEL_JOB_ID] ?? ''}`
      : byUid
        ? `${LABEL_CONTROLLER_UID}=${uid}`
        : `${LABEL_JOB_NAME}=${name}`;
  const pods = await call(`listing pods of ${namespace}/${name}`, (c) =>
    c.core.listNamespacedPod({ namespace, labelSelector: selector }),
  );
  // Only this object's pods, not those of an earlier one of the same name.
  return kind !== 'job'
    ? pods.items
    : pods.items.filter(
        (p) =>
          !uid ||
          !p.metadata?.ownerReferences ||
          p.metadata.ownerReferences.some((o) => o.uid === uid),
      );
}
