/**
 * Where each workload kind lives in the Kubernetes API: group, version, plural and object kind.
 * Discovery (which groups a cluster serves) and the driver's create/get/list/watch read it here.
 */
import type { WorkloadKind } from '../../domain/job.js';

export interface WorkloadResource {
  kind: WorkloadKind;
  /** The API group; `batch` for a Job. */
  group: string;
  version: string;
  plural: string;
  /** The object's `kind`. */
  objectKind: 'Job' | 'JobSet' | 'PyTorchJob' | 'RayJob';
}

export const WORKLOAD_RESOURCES: Record<WorkloadKind, WorkloadResource> = {
  job: { kind: 'job', group: 'batch', version: 'v1', plural: 'jobs', objectKind: 'Job' },
  jobset: {
    kind: 'jobset',
    group: 'jobset.x-k8s.io',
    version: 'v1alpha2',
    plural: 'jobsets',
    objectKind: 'JobSet',
  },
  pytorchjob: {
    kind: 'pytorchjob',
    group: 'kubeflow.org',
    version: 'v1',
    plural: 'pytorchjobs',
    objectKind: 'PyTorchJob',
  },
  rayjob: {
    kind: 'rayjob',
    group: 'ray.io',
    version: 'v1',
    plural: 'rayjobs',
    objectKind: 'RayJob',
  },
};

/** The API group whose presence means the cluster runs Kueue. */
export const KUEUE_GROUP = 'kueue.x-k8s.io';
/** The label that hands a workload to a Kueue LocalQueue. */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';

/** The workload kind of an object kind (`PyTorchJob` → `pytorchjob`). */
export function kindOfObject(objectKind: string | undefined): WorkloadKind | undefined {
  return Object.values(WORKLOAD_RESOURCES).find((r) => r.objectKind === objectKind)?.kind;
}

/**
 * The kinds a cluster can run from the API groups (`group/version`s) its discovery lists: `job`
 * always, each other kind when its group and version are served. Kueue when its group is served.
 */
export function kindsFromGroups(groupVersions: Iterable<string>): {
  kinds: WorkloadKind[];
  kueue: boolean;
} {
  const served = new Set(groupVersions);
  const groups = new Set([...served].map((gv) => gv.split('/')[0]));
  const kinds = Object.values(WORKLOAD_RESOURCES)
    .filter((r) => r.kind === 'job' || served.has(`${r.group}/${r.version}`))
    .map((r) => r.kind);
  return { kinds, kueue: groups.has(KUEUE_GROUP) };
}
