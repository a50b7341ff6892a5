/** A cluster Switchyard can place work on, as configured, and what its drainer last reported. */

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
}

export interface CapacityReport {
  reportedAt: string;
  accelerators: Record<string, AcceleratorCapacity>;
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
  capacity?: CapacityReport;
  /** For simulated clusters: the URL of their Kubernetes API. */
  simulated?: { apiUrl: string };
  version: number;
  updatedAt: string;
}
