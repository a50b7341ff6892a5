/** A cluster Switchyard can place work on, as configured, and what its drainer last reported. */
import type { WorkloadKind } from './job.js';

export type ClusterAdminState = 'active' | 'cordoned' | 'draining';
/** `offline` is derived: an active cluster whose heartbeat is too old. */
export type ClusterStatus = ClusterAdminState | 'offline';

export interface AcceleratorPool {
  /** Accelerator type, e.g. `nvidia-a100`. */
  accelerator: string;
  nodes: number;
  gpusPerNode: number;
  /** Price of one GPU-hour of this accelerator in this cluster. */
  costPerGpuHour?: number;
}

/** Live GPU capacity, read from the cluster by its drainer. */
export interface AcceleratorCapacity {
  total: number;
  free: number;
  /** Largest number of free GPUs on any one node. */
  maxFreePerNode: number;
  /**
   * Free GPUs of this type on each schedulable node, largest first (a gang of `n` pods with `c`
   * GPUs each fits now only when the n-th entry is >= c). Absent from older drainers.
   */
  freePerNode?: number[];
}

export interface CapacityReport {
  reportedAt: string;
  accelerators: Record<string, AcceleratorCapacity>;
  /**
   * Workload kinds the target can run, discovered from its API (`job` always; `jobset` with
   * jobset.x-k8s.io, `pytorchjob` with kubeflow.org, `rayjob` with ray.io). Absent means `job`.
   */
  kinds?: WorkloadKind[];
  /** True when the target's API serves kueue.x-k8s.io. */
  kueue?: boolean;
  /**
   * The target's software version: the lowest kubelet version of its nodes (Kubernetes), the
   * Slurm version. A maintenance plan's upgrade is complete when this changes. Absent: unknown.
   */
  version?: string;
  /** The reporting drainer's own counters for this cluster (shared/drainer/stats.ts). */
  drainer?: DrainerReportStats;
}

/** Totals since the drainer started (`since`): creates by outcome, request-budget wait. */
export interface DrainerReportStats {
  since: string;
  /** `ok`, or a cluster error class (`unreachable`, `throttled`, `invalid`, …). */
  creates: Record<string, number>;
  budgetWaitSeconds: number;
}

export interface Cluster {
  id: string;
  cloud: string;
  region: string;
  labels: Record<string, string>;
  /** The queue its drainer consumes. */
  queue: string;
  state: ClusterAdminState;
  pools: AcceleratorPool[];
  /**
   * Workload kinds the configuration declares the cluster runs, used until its drainer reports
   * the kinds it discovered (then the report's `kinds` alone count). Absent means `job` only.
   */
  kinds?: WorkloadKind[];
  capacity?: CapacityReport;
  /**
   * The cluster runs Kueue and Switchyard hands its workloads to this LocalQueue (labelled
   * `kueue.x-k8s.io/queue-name`, created suspended for Kueue to admit).
   */
  kueue?: { localQueue: string };
  /** For simulated clusters: the URL of their Kubernetes API. */
  simulated?: { apiUrl: string };
  /** A cluster that is not Kubernetes (`connect.slurm`): its kind and Slurm partition. */
  slurm?: { partition: string };
  version: number;
  updatedAt: string;
}
