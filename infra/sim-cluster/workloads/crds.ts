/**
 * The custom resources the simulated cluster can serve, grouped by the operator that installs
 * them, and what discovery, `kubectl get crd` and `/openapi/v3` say about them. A cluster serves
 * only the groups of its installed operators (`operators` option).
 */
import type { WorkloadKind } from '../types.js';
import {
  CLUSTERQUEUE_SPEC,
  envelope,
  JOBSET_SPEC,
  JOBSET_STATUS,
  LOCALQUEUE_SPEC,
  PYTORCHJOB_SPEC,
  PYTORCHJOB_STATUS,
  QUEUE_STATUS,
  RAYJOB_SPEC,
  RAYJOB_STATUS,
  WORKLOAD_SPEC,
  WORKLOAD_STATUS,
} from './crd-schemas.js';
import type { Structural } from './structural.js';

export type Operator = 'jobset' | 'kubeflow' | 'ray' | 'kueue';
export const OPERATORS: readonly Operator[] = ['jobset', 'kubeflow', 'ray', 'kueue'];
/** Installed when a cluster's options name none: every workload operator, Kueue only on request. */
export const DEFAULT_OPERATORS: readonly Operator[] = ['jobset', 'kubeflow', 'ray'];

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResource {
  operator: Operator;
  group: string;
  version: string;
  kind: WorkloadKind;
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  schema: Structural;
  columns: PrinterColumn[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Each operator's API group and the one version it serves. */
const API: Record<Operator, { group: string; version: string }> = {
  jobset: { group: 'jobset.x-k8s.io', version: 'v1alpha2' },
  kubeflow: { group: 'kubeflow.org', version: 'v1' },
  ray: { group: 'ray.io', version: 'v1' },
  kueue: { group: 'kueue.x-k8s.io', version: 'v1beta1' },
};

type Specific = Pick<CustomResource, 'schema' | 'columns'> &
  Partial<Pick<CustomResource, 'shortNames' | 'categories' | 'namespaced'>>;

/**
 * A kind of `operator`'s group: its singular is the kind in lower case, its plural adds `s`; it is
 * namespaced unless `specific` says otherwise.
 */
function resource(operator: Operator, kind: WorkloadKind, specific: Specific): CustomResource {
  const singular = kind.toLowerCase();
  return {
    operator,
    ...API[operator],
    kind,
    plural: `${singular}s`,
    singular,
    namespaced: true,
    ...specific,
  };
}

export const CUSTOM_RESOURCES: readonly CustomResource[] = [
  resource('jobset', 'JobSet', {
    schema: envelope(JOBSET_SPEC, JOBSET_STATUS),
    columns: [
      { name: 'TerminalState', type: 'string', jsonPath: '.status.terminalState' },
      { name: 'Restarts', type: 'string', jsonPath: '.status.restarts' },
      {
        name: 'Completed',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Completed")].status',
      },
      { name: 'Suspended', type: 'string', jsonPath: '.spec.suspend' },
      AGE,
    ],
  }),
  resource('kubeflow', 'PyTorchJob', {
    schema: envelope(PYTORCHJOB_SPEC, PYTORCHJOB_STATUS),
    columns: [{ name: 'State', type: 'string', jsonPath: '.status.conditions[-1:].type' }, AGE],
  }),
  resource('ray', 'RayJob', {
    categories: ['all'],
    schema: envelope(RAYJOB_SPEC, RAYJOB_STATUS),
    columns: [
      { name: 'Job Status', type: 'string', jsonPath: '.status.jobStatus' },
      { name: 'Deployment Status', type: 'string', jsonPath: '.status.jobDeploymentStatus' },
      { name: 'Ray Cluster Name', type: 'string', jsonPath: '.status.rayClusterName' },
      { name: 'Start Time', type: 'string', jsonPath: '.status.startTime' },
      { name: 'End Time', type: 'string', jsonPath: '.status.endTime' },
      AGE,
    ],
  }),
  resource('kueue', 'ClusterQueue', {
    shortNames: ['cq'],
    namespaced: false,
    schema: envelope(CLUSTERQUEUE_SPEC, QUEUE_STATUS),
    columns: [
      { name: 'Cohort', type: 'string', jsonPath: '.spec.cohort' },
      { name: 'Pending Workloads', type: 'integer', jsonPath: '.status.pendingWorkloads' },
      { name: 'Admitted Workloads', type: 'integer', jsonPath: '.status.admittedWorkloads' },
    ],
  }),
  resource('kueue', 'LocalQueue', {
    shortNames: ['queue', 'queues', 'lq'],
    schema: envelope(LOCALQUEUE_SPEC, QUEUE_STATUS),
    columns: [
      { name: 'ClusterQueue', type: 'string', jsonPath: '.spec.clusterQueue' },
      { name: 'Pending Workloads', type: 'integer', jsonPath: '.status.pendingWorkloads' },
      { name: 'Admitted Workloads', type: 'integer', jsonPath: '.status.admittedWorkloads' },
    ],
  }),
  resource('kueue', 'Workload', {
    shortNames: ['wl'],
    schema: envelope(WORKLOAD_SPEC, WORKLOAD_STATUS),
    columns: [
      { name: 'Queue', type: 'string', jsonPath: '.spec.queueName' },
      { name: 'Reserved in', type: 'string', jsonPath: '.status.admission.clusterQueue' },
      {
        name: 'Admitted',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Admitted")].status',
      },
      {
        name: 'Finished',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Finished")].status',
      },
      AGE,
    ],
  }),
];

export function servedResources(operators: ReadonlySet<Operator>): CustomResource[] {
  return CUSTOM_RESOURCES.filter((r) => operators.has(r.operator));
}

export function resourceOfKind(kind: string): CustomResource | undefined {
  return CUSTOM_RESOURCES.find((r) => r.kind === kind);
}

/** Served groups with their one version, for `/apis`. */
export function servedGroups(operators: ReadonlySet<Operator>): object[] {
  const groups = new Map<string, string>();
  for (const r of servedResources(operators)) groups.set(r.group, r.version);
  return [...groups].map(([name, version]) => apiGroup(name, version));
}

export function apiGroup(name: string, version: string): object {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [gv], preferredVersion: gv };
}

export function resourceList(group: string, version: string, served: CustomResource[]): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${group}/${version}`,
    resources: served
      .filter((r) => r.group === group && r.version === version)
      .flatMap((r) => {
        const main = {
          name: r.plural,
          singularName: r.singular,
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          ...(r.shortNames ? { shortNames: r.shortNames } : {}),
          ...(r.categories ? { categories: r.categories } : {}),
        };
        const status = {
          name: `${r.plural}/status`,
          singularName: '',
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['get', 'patch', 'update'],
        };
        return [main, status];
      }),
  };
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition a real cluster would list for `r`. */
export function crdObject(r: CustomResource, created: string): object {
  const name = `${r.plural}.${r.group}`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name, uid: `sim-crd-${name}`, resourceVersion: '1', creationTimestamp: created },
    spec: {
      group: r.group,
      names: {
        kind: r.kind,
        listKind: `${r.kind}List`,
        plural: r.plural,
        singular: r.singular,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
      },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: r.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: r.schema },
          subresources: { status: {} },
          additionalPrinterColumns: r.columns,
        },
      ],
    },
    status: {
      acceptedNames: { kind: r.kind, plural: r.plural },
      storedVersions: [r.version],
      conditions: [
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted' },
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts' },
      ],
    },
  };
}
