/**
 * Pure mapping from Kubernetes objects to what Switchyard reads: a Job's status, why its pod
 * waits, and GPU capacity from nodes and pods. Edge-safe: the objects are read through plain
 * shapes (client-node's `V1Job`, `V1Node` and `V1Pod` fit them), so no Kubernetes client is needed.
 */
import type { AcceleratorCapacity, CapacityReport } from '../../domain/cluster.js';
import { GPU_RESOURCE, LABEL_ACCELERATOR } from './labels.js';
import type { ContainerResult, KubeJobStatus } from './port.js';

// ---------------------------------------------------------------------------------------------
// Reading Jobs. Objects come either typed from the API (dates as `Date`) or raw from a watch
// (dates as strings), so this reads both.

export interface JobLike {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  status?: {
    active?: number;
    ready?: number;
    startTime?: unknown;
    completionTime?: unknown;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

function isoOf(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What Switchyard reads back from a Job: `Failed=True` → failed, `Complete=True` → succeeded
 * (reason and message from that condition), a ready pod (or, on servers without `status.ready`,
 * an active pod after the start) → running, else pending.
 */
export function jobStatusFromKube(job: JobLike): KubeJobStatus {
  const meta = job.metadata ?? {};
  const status = job.status ?? {};
  const result: KubeJobStatus = {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    labels: { ...meta.labels },
    annotations: { ...meta.annotations },
    phase: 'pending',
    resourceVersion: meta.resourceVersion ?? '',
  };
  const startTime = isoOf(status.startTime);
  const completionTime = isoOf(status.completionTime);
  if (startTime) result.startTime = startTime;
  if (completionTime) result.completionTime = completionTime;

  const conditions = status.conditions ?? [];
  const terminal =
    conditions.find((c) => c.type === 'Failed' && c.status === 'True') ??
    conditions.find((c) => c.type === 'Complete' && c.status === 'True');
  if (terminal) {
    result.phase = terminal.type === 'Failed' ? 'failed' : 'succeeded';
    if (terminal.reason) result.reason = terminal.reason;
    if (terminal.message) result.message = terminal.message;
    return result;
  }
  const active = status.active ?? 0;
  const ready = status.ready;
  if ((ready ?? 0) >= 1 || (ready === undefined && active >= 1 && startTime !== undefined)) {
    result.phase = 'running';
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Pods and nodes: only the fields read here.

interface ContainerLike {
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface PodLike {
  spec?: {
    nodeName?: string;
    containers?: ContainerLike[];
    initContainers?: ContainerLike[];
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      state?: {
        waiting?: { reason?: string; message?: string };
        terminated?: { exitCode?: number; reason?: string };
      };
    }[];
  };
}

export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: {
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string }[];
  };
}

/** Why the first waiting pod waits: not scheduled, or a container not started yet. */
export function pendingReason(pods: PodLike[]): { reason?: string; message?: string } {
  for (const pod of pods) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason) {
      return scheduled.message
        ? { reason: scheduled.reason, message: scheduled.message }
        : { reason: scheduled.reason };
    }
    for (const container of pod.status?.containerStatuses ?? []) {
      const waiting = container.state?.waiting;
      if (waiting?.reason) {
        return waiting.message
          ? { reason: waiting.reason, message: waiting.message }
          : { reason: waiting.reason };
      }
    }
  }
  return {};
}

/** Job condition reasons that say more than the container's own end (it was stopped for them). */
const JOB_STOPPED_IT = new Set(['DeadlineExceeded']);

/**
 * How a finished Job's container ended, from its pods: the first container that ended non-zero
 * (else the first that ended) gives the exit code and reason (`Error`, `OOMKilled`, `Completed`…);
 * a Job stopped by Kubernetes (`DeadlineExceeded`) keeps that reason, and a pod with the
 * `DisruptionTarget` condition gives its reason (`DeletionByTaintManager`, `EvictionByEvictionAPI`…). Empty when no pod shows it.
 */
export function containerResult(pods: PodLike[], jobReason?: string): ContainerResult {
  let found: { exitCode?: number; reason?: string } | undefined;
  for (const pod of pods) {
    for (const container of pod.status?.containerStatuses ?? []) {
      const ended = container.state?.terminated;
      if (!ended) continue;
      if (!found || (found.exitCode === 0 && (ended.exitCode ?? 0) !== 0)) found = ended;
    }
  }
  const result: ContainerResult = {};
  if (typeof found?.exitCode === 'number') result.exitCode = found.exitCode;
  // A pod Kubernetes disrupted (node lost, evicted, preempted) names why: that is the end's cause.
  const disrupted = pods
    .flatMap((p) => p.status?.conditions ?? [])
    .find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const reason =
    jobReason && JOB_STOPPED_IT.has(jobReason)
      ? jobReason
      : (disrupted?.reason ?? (disrupted ? 'DisruptionTarget' : found?.reason));
  if (reason) result.reason = reason;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Capacity.

function gpuQuantity(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function isSchedulable(node: NodeLike): boolean {
  if (node.spec?.unschedulable) return false;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True';
}

function containerGpus(container: ContainerLike): number {
  const resources = container.resources;
  // Extended resources: a request defaults to the limit.
  return gpuQuantity(resources?.requests?.[GPU_RESOURCE] ?? resources?.limits?.[GPU_RESOURCE]);
}

function podGpus(pod: PodLike): number {
  const main = (pod.spec?.containers ?? []).reduce((sum, c) => sum + containerGpus(c), 0);
  const init = (pod.spec?.initContainers ?? []).reduce(
    (max, c) => Math.max(max, containerGpus(c)),
    0,
  );
  return Math.max(main, init);
}

/**
 * GPU capacity per accelerator type: allocatable `nvidia.com/gpu` of schedulable, Ready nodes
 * labelled `switchyard.io/accelerator`, minus what bound pods (Running, or Pending with a node)
 * request on those nodes; in total and per node (`freePerNode`, largest first).
 */
export function capacityFromKube(
  nodes: NodeLike[],
  pods: PodLike[],
  reportedAt: string,
): CapacityReport {
  const nodeType = new Map<string, string>();
  const allocatable = new Map<string, number>();
  for (const node of nodes) {
    const name = node.metadata?.name;
    const type = node.metadata?.labels?.[LABEL_ACCELERATOR];
    if (!name || !type || !isSchedulable(node)) continue;
    nodeType.set(name, type);
    allocatable.set(name, gpuQuantity(node.status?.allocatable?.[GPU_RESOURCE]));
  }
  const used = new Map<string, number>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    const phase = pod.status?.phase;
    if (!nodeName || !nodeType.has(nodeName)) continue;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    used.set(nodeName, (used.get(nodeName) ?? 0) + podGpus(pod));
  }
  const accelerators: Record<string, AcceleratorCapacity> = {};
  for (const [name, type] of [...nodeType].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const total = allocatable.get(name) ?? 0;
    const free = Math.max(0, total - (used.get(name) ?? 0));
    const entry = (accelerators[type] ??= {
      total: 0,
      free: 0,
      maxFreePerNode: 0,
      freePerNode: [],
    });
    entry.total += total;
    entry.free += free;
    entry.maxFreePerNode = Math.max(entry.maxFreePerNode, free);
    entry.freePerNode!.push(free);
  }
  // Largest first: a gang of n pods with c GPUs each fits now when the n-th entry is >= c.
  for (const entry of Object.values(accelerators)) entry.freePerNode!.sort((x, y) => y - x);
  return { reportedAt, accelerators };
}
