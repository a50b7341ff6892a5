/** The slices of Kubernetes object shapes the simulated cluster reads and writes. */

/** Custom resources of the workload operators and Kueue (infra/sim-cluster/workloads). */
export type WorkloadKind =
  'JobSet' | 'PyTorchJob' | 'RayJob' | 'ClusterQueue' | 'LocalQueue' | 'Workload';

export type Kind = 'Namespace' | 'Node' | 'Job' | 'Pod' | 'Event' | WorkloadKind;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: object;
  status?: object;
  [key: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
}

export interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  [key: string]: unknown;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface PodSpec {
  containers: Container[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  restartPolicy?: string;
  nodeName?: string;
  [key: string]: unknown;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
  [key: string]: unknown;
}

export interface JobStatus {
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  uncountedTerminatedPods?: Record<string, never>;
  startTime?: string;
  completionTime?: string;
  conditions?: Condition[];
}

export interface JobObject extends KubeObject {
  spec: {
    template: { metadata?: Partial<ObjectMeta>; spec: PodSpec };
    selector?: { matchLabels?: Record<string, string> };
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    backoffLimit?: number;
    [key: string]: unknown;
  };
  status: JobStatus;
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  conditions?: Condition[];
  startTime?: string;
  hostIP?: string;
  podIP?: string;
  reason?: string;
  message?: string;
  qosClass?: string;
  containerStatuses?: Record<string, unknown>[];
}

export interface PodObject extends KubeObject {
  spec: PodSpec;
  status: PodStatus;
}

export interface NodeObject extends KubeObject {
  spec: { taints?: Taint[]; [key: string]: unknown };
  status: {
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    conditions: Condition[];
    nodeInfo?: Record<string, string>;
    [key: string]: unknown;
  };
}

/** A core/v1 Event (what `kubectl describe` and `kubectl get events` show). */
export interface EventObject extends KubeObject {
  involvedObject: {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
    uid: string;
    resourceVersion?: string;
  };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  source: { component: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  count: number;
  eventTime: null;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
