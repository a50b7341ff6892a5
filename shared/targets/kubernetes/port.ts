/**
 * The cluster port: what a drainer needs from one Kubernetes cluster. No Kubernetes client types
 * cross it; manifests are plain objects. Driver: Kubernetes through `@kubernetes/client-node`
 * (`kubernetes.node.ts`), which also serves the simulated clusters.
 * All drivers pass test/contract/cluster.contract.ts.
 */
import type { CapacityReport } from '../../domain/cluster.js';

/** A `batch/v1` Job manifest as plain JSON. */
export interface KubeJobManifest {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

export type KubeJobPhase = 'pending' | 'running' | 'succeeded' | 'failed';

/** How a finished Job's container ended: its exit code and Kubernetes' reason for the end. */
export interface ContainerResult {
  /** `state.terminated.exitCode` of its container; absent when no pod shows one. */
  exitCode?: number;
  /** E.g. `Completed`, `Error`, `OOMKilled`, or the Job's `DeadlineExceeded`. */
  reason?: string;
}

/** What Switchyard reads back from a Job. */
export interface KubeJobStatus {
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
}

export interface ClusterDriver {
  readonly clusterId: string;
  /** Creates the namespace with these labels if missing. */
  ensureNamespace(name: string, labels: Record<string, string>): Promise<void>;
  /**
   * Creates the Job. If one with that name exists and carries the same
   * `switchyard.io/job-id` label it is adopted (`'exists'`); if it belongs to someone else a
   * `ClusterError('foreign-object')` is thrown and nothing is touched.
   */
  createJob(manifest: KubeJobManifest): Promise<'created' | 'exists'>;
  /** The Job's status; when it has finished, with its container's `result` read from its pod. */
  getJob(namespace: string, name: string): Promise<KubeJobStatus | undefined>;
  /** Deletes the Job and its pods. Resolves `false` if it did not exist. */
  deleteJob(namespace: string, name: string): Promise<boolean>;
  /**
   * Jobs in all namespaces matching a label selector, with the list's resourceVersion. With
   * `page.limit`, at most that many, and `continue` to pass back for the next page (absent on the
   * last one).
   */
  listJobs(
    labelSelector: string,
    page?: { limit?: number; continue?: string },
  ): Promise<{ items: KubeJobStatus[]; resourceVersion: string; continue?: string }>;
  /** Watches Jobs in all namespaces from `resourceVersion`. */
  watchJobs(
    labelSelector: string,
    resourceVersion: string,
    handlers: JobWatchHandlers,
  ): Promise<JobWatch>;
  /** The pods of Switchyard job `jobId` in `namespace` (label `switchyard.io/job-id`), for logs. */
  listJobPods?(namespace: string, jobId: string): Promise<JobPod[]>;
  /** A pod's output, each line `<RFC 3339 time> <text>` (Kubernetes `timestamps=true`). */
  readPodLog?(namespace: string, pod: JobPod, options?: PodLogOptions): Promise<string[]>;
  /** Live GPU capacity: nodes' allocatable GPUs per accelerator label minus GPUs requested by running pods. */
  capacity(): Promise<CapacityReport>;
  close(): Promise<void>;
}
