/**
 * The cluster port: what a drainer needs from one Kubernetes cluster. No Kubernetes client types
 * cross it; manifests are plain objects. Driver: Kubernetes through `@kubernetes/client-node`
 * (`kubernetes.node.ts`), which also serves the simulated clusters.
 * All drivers pass test/contract/cluster.contract.ts.
 */
import type { ReplicaState } from '../../domain/replica.js';
import type { CapacityReport } from '../../domain/cluster.js';
import type { WorkloadKind } from '../../domain/job.js';

export interface ManifestMetadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A `batch/v1` Job manifest as plain JSON. */
export interface KubeJobManifest {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ManifestMetadata;
  spec: Record<string, unknown>;
}

/** A JobSet (`jobset.x-k8s.io/v1alpha2`). */
export interface JobSetManifest {
  apiVersion: 'jobset.x-k8s.io/v1alpha2';
  kind: 'JobSet';
  metadata: ManifestMetadata;
  spec: Record<string, unknown>;
}

/** A Kubeflow PyTorchJob (`kubeflow.org/v1`). */
export interface PyTorchJobManifest {
  apiVersion: 'kubeflow.org/v1';
  kind: 'PyTorchJob';
  metadata: ManifestMetadata;
  spec: Record<string, unknown>;
}

/** A KubeRay RayJob (`ray.io/v1`). */
export interface RayJobManifest {
  apiVersion: 'ray.io/v1';
  kind: 'RayJob';
  metadata: ManifestMetadata;
  spec: Record<string, unknown>;
}

/** Any workload Switchyard creates, keyed by its Kubernetes `kind`. */
export type WorkloadManifest =
  KubeJobManifest | JobSetManifest | PyTorchJobManifest | RayJobManifest;

export type KubeJobPhase = 'pending' | 'running' | 'succeeded' | 'failed';

/** How a finished Job's container ended: its exit code and Kubernetes' reason for the end. */
export interface ContainerResult {
  /** `state.terminated.exitCode` of its container; absent when no pod shows one. */
  exitCode?: number;
  /** E.g. `Completed`, `Error`, `OOMKilled`, or the Job's `DeadlineExceeded`. */
  reason?: string;
}

/** What Switchyard reads back from a Job (or a JobSet, PyTorchJob, RayJob). */
export interface KubeJobStatus {
  /** The workload kind of the object; absent means a `batch/v1` Job. */
  kind?: WorkloadKind;
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  phase: KubeJobPhase;
  /** Kubernetes' reason for the latest condition or for waiting, e.g. `Unschedulable`. */
  reason?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
  resourceVersion: string;
  /** Set by `getJob` for a finished Job whose pod still shows how its container ended. */
  result?: ContainerResult;
  /** Set by `getJob` for a JobSet, PyTorchJob or RayJob: each of its pods. */
  replicas?: ReplicaState[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface JobWatchHandlers {
  onEvent(type: WatchEventType, job: KubeJobStatus): void;
  /** The watch ended (410 Gone, network error, server closed); relist and watch again. */
  onEnd(error?: unknown): void;
}

export interface JobWatch {
  stop(): void;
}

export type ClusterErrorKind =
  'unreachable' | 'forbidden' | 'invalid' | 'throttled' | 'server' | 'conflict' | 'foreign-object';

/** The kinds of cluster failure that may pass if the same call is tried again later. */
const RETRYABLE_KINDS: ReadonlySet<ClusterErrorKind> = new Set([
  'unreachable',
  'throttled',
  'server',
]);

/** A failure talking to a cluster, classified so callers can decide to retry or re-route. */
export class ClusterError extends Error {
  /** Whether trying the same call again may succeed (like `AppError.retryable`). */
  readonly retryable: boolean;

  constructor(
    readonly kind: ClusterErrorKind,
    message: string,
    readonly statusCode?: number,
    /** From `Retry-After` on 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ClusterError';
    this.retryable = RETRYABLE_KINDS.has(kind);
  }
}

/** One pod of a job, as log shipping needs it. */
export interface JobPod {
  name: string;
  /** Its replica index in a multi-node job (0 when it has none). */
  replica: number;
  /** Kubernetes' pod phase: `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  phase: string;
  container: string;
}

export interface PodLogOptions {
  /** Lines at or after this RFC 3339 time. */
  sinceTime?: string;
  tailLines?: number;
  /**
   * A periodic read that may wait: it takes only the cluster's spare request budget, so Job
   * creates and watches keep theirs (see `RateLimiter.acquireSpare`).
   */
  spare?: boolean;
}

/** Per-call options of the calls a caller may need to give up on (a function's time budget). */
export interface RequestOptions {
  /** Aborts the call's requests still in flight (they fail; nothing more is sent). */
  signal?: AbortSignal;
}

export interface ClusterDriver {
  readonly clusterId: string;
  /**
   * The deployment this driver works for (config `deployment`): drainers label what they create
   * with it and list, watch and reconcile only workloads carrying it (`managedSelector`).
   */
  readonly deployment?: string;
  /** Creates the namespace with these labels if missing. */
  ensureNamespace(
    name: string,
    labels: Record<string, string>,
    options?: RequestOptions,
  ): Promise<void>;
  /**
   * Creates the workload (a Job, JobSet, PyTorchJob or RayJob; a kind the cluster's API does not
   * serve is a `ClusterError('invalid')`). If one with that name exists and carries the same
   * `switchyard.io/job-id` label it is adopted (`'exists'`); if it belongs to someone else a
   * `ClusterError('foreign-object')` is thrown and nothing is touched.
   */
  createJob(manifest: WorkloadManifest, options?: RequestOptions): Promise<'created' | 'exists'>;
  /**
   * The workload's status (`kind` absent: a Job); when it has finished, with its failing (else
   * first) container's `result` read from its pods.
   */
  getJob(namespace: string, name: string, kind?: WorkloadKind): Promise<KubeJobStatus | undefined>;
  /**
   * Deletes the workload and its pods (`kind` absent: of whichever kind the cluster serves has
   * that name). Resolves `false` if it did not exist. `gracePeriodSeconds`: how long its pods get
   * to stop (a preemption's grace period); absent, the cluster's default.
   */
  deleteJob(
    namespace: string,
    name: string,
    kind?: WorkloadKind,
    gracePeriodSeconds?: number,
  ): Promise<boolean>;
  /**
   * Workloads of every kind the cluster serves, in all namespaces, matching a label selector,
   * with a resourceVersion to watch from (opaque: one per kind). With `page.limit`, at most that
   * many, and `continue` to pass back for the next page (absent on the last one).
   */
  listJobs(
    labelSelector: string,
    page?: { limit?: number; continue?: string },
  ): Promise<{ items: KubeJobStatus[]; resourceVersion: string; continue?: string }>;
  /** Watches workloads of every listed kind in all namespaces from `listJobs`' resourceVersion. */
  watchJobs(
    labelSelector: string,
    resourceVersion: string,
    handlers: JobWatchHandlers,
  ): Promise<JobWatch>;
  /** The pods of Switchyard job `jobId` in `namespace` (label `switchyard.io/job-id`), for logs. */
  listJobPods?(namespace: string, jobId: string, options?: { spare?: boolean }): Promise<JobPod[]>;
  /** A pod's output, each line `<RFC 3339 time> <text>` (Kubernetes `timestamps=true`). */
  readPodLog?(namespace: string, pod: JobPod, options?: PodLogOptions): Promise<string[]>;
  /**
   * Live GPU capacity (nodes' allocatable GPUs per accelerator label minus GPUs requested by
   * running pods, also per node) and the workload kinds and Kueue the cluster's API serves.
   */
  capacity(): Promise<CapacityReport>;
  /** Milliseconds requests have waited for the client-side request budget, in total. */
  budgetWaitMs?(): number;
  close(): Promise<void>;
}
