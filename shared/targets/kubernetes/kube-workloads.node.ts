/**
 * Read, create, delete and list any workload kind: a `batch/v1` Job through BatchV1Api, the CRD
 * kinds (JobSet, PyTorchJob, RayJob) through CustomObjectsApi at their group, version and plural.
 * Objects come back as plain shapes for kube-status.ts / kube-workload-status.ts. Node-only.
 */
import type { WorkloadKind } from '../../domain/job.js';
import type { Clients } from './kube-clients.node.js';
import type { WorkloadLike } from './kube-workload-status.js';
import { ClusterError } from './port.js';
import { WORKLOAD_RESOURCES } from './workload-kinds.js';

/** Sends one rate-limited, classified request (the driver's `call`). */
export type Call = <T>(what: string, send: (c: Clients) => Promise<T>) => Promise<T>;

export interface WorkloadPage {
  items: WorkloadLike[];
  resourceVersion: string;
  continue?: string;
}

/** `GET /apis/<group>/<version>/<plural>` — what a watch of every namespace follows. */
export function watchPath(kind: WorkloadKind): string {
  const r = WORKLOAD_RESOURCES[kind];
  return `/apis/${r.group}/${r.version}/${r.plural}`;
}

function crd(kind: WorkloadKind) {
  const { group, version, plural } = WORKLOAD_RESOURCES[kind];
  return { group, version, plural };
}

function objectName(kind: WorkloadKind): string {
  return WORKLOAD_RESOURCES[kind].objectKind;
}

export function workloadApi(call: Call) {
  return {
    /** The object, or undefined on 404. */
    async read(kind: WorkloadKind, namespace: string, name: string) {
      try {
        return await call<WorkloadLike>(`reading ${objectName(kind)} ${namespace}/${name}`, (c) =>
          kind === 'job'
            ? c.batch.readNamespacedJob({ namespace, name })
            : (c.custom.getNamespacedCustomObject({
                ...crd(kind),
                namespace,
                name,
              }) as Promise<WorkloadLike>),
        );
      } catch (error) {
        if (error instanceof ClusterError && error.statusCode === 404) return undefined;
        throw error;
      }
    },

    /** Every kind is POSTed as the plain JSON it is built as (`Clients.post`, kube-http.node.ts). */
    async create(kind: WorkloadKind, namespace: string, body: unknown): Promise<void> {
      const name = (body as { metadata?: { name?: string } }).metadata?.name ?? '';
      const { group, version, plural } = WORKLOAD_RESOURCES[kind];
      const path = `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
      await call(`creating ${objectName(kind)} ${namespace}/${name}`, (c) => c.post(path, body));
    },

    /** Deletes the object and (in the background) what it owns; false when it did not exist. */
    async remove(kind: WorkloadKind, namespace: string, name: string, grace?: number) {
      const how = {
        propagationPolicy: 'Background',
        ...(grace !== undefined && { gracePeriodSeconds: grace }),
      };
      try {
        await call(`deleting ${objectName(kind)} ${namespace}/${name}`, (c) =>
          kind === 'job'
            ? c.batch.deleteNamespacedJob({ namespace, name, ...how })
            : c.custom.deleteNamespacedCustomObject({ ...crd(kind), namespace, name, ...how }),
        );
        return true;
      } catch (error) {
        if (error instanceof ClusterError && error.statusCode === 404) return false;
        throw error;
      }
    },

    async list(
      kind: WorkloadKind,
      labelSelector: string,
      page?: { limit?: number; continue?: string },
    ): Promise<WorkloadPage> {
      const paging = {
        ...(page?.limit ? { limit: page.limit } : {}),
        ...(page?.continue ? { _continue: page.continue } : {}),
      };
      const what = `listing ${objectName(kind)}s (${labelSelector})`;
      if (kind === 'job') {
        const list = await call(what, (c) =>
          c.batch.listJobForAllNamespaces({ labelSelector, ...paging }),
        );
        const next = list.metadata?._continue;
        return {
          items: list.items,
          resourceVersion: list.metadata?.resourceVersion ?? '',
          ...(next ? { continue: next } : {}),
        };
      }
      const list = (await call(what, (c) =>
        c.custom.listClusterCustomObject({ ...crd(kind), labelSelector, ...paging }),
      )) as { items?: WorkloadLike[]; metadata?: { resourceVersion?: string; continue?: string } };
      const next = list.metadata?.continue;
      return {
        items: list.items ?? [],
        resourceVersion: list.metadata?.resourceVersion ?? '',
        ...(next ? { continue: next } : {}),
      };
    },
  };
}
