/** Public option and fault types of the simulated cluster (re-exported by index.ts). */
import type { Operator } from './workloads/crds.js';
import type { SimKueueOptions } from './workloads/kueue.js';

export type { Operator, SimKueueOptions };

export interface SimNodePool {
  accelerator: string;
  nodes: number;
  gpusPerNode: number;
  /** Node CPU capacity, default "32". */
  cpu?: string;
  /** Node memory capacity, default "256Gi". */
  memory?: string;
  /** Node names are `<namePrefix>-<n>`; default `<cluster id>-<accelerator>`. */
  namePrefix?: string;
}

export interface SimFaults {
  /** Every request except `/sim/*` is refused (the socket is destroyed at once). */
  down?: boolean;
  /** Added before every response. */
  latencyMs?: number;
  /** The next `count` (default: all) Job and workload (JobSet, PyTorchJob, RayJob, …) creates fail with this Kubernetes Status error. */
  failCreates?: { status: 403 | 422 | 500 | 503 | 429; count?: number; retryAfterSeconds?: number };
  /** Every request except `/sim/*` is answered 429 with Retry-After. */
  throttleAll?: { retryAfterSeconds: number };
  /** Any watch from a resourceVersion other than "0"/absent gets 410 Expired. */
  expireWatches?: boolean;
  /** These nodes are lost (NotReady, their pods failed); lost nodes not listed come back. */
  loseNodes?: string[];
}

export interface SimClusterOptions {
  /** Cluster id, used in logs and node names. */
  id: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 = ephemeral. */
  port?: number;
  /** SQLite file for persistence; absent = in memory. */
  dataFile?: string;
  pools: SimNodePool[];
  /** How long a job runs without `SIM_DURATION_SECONDS`; default 3. */
  defaultDurationSeconds?: number;
  /** Scheduler period, default 200 ms. */
  tickMs?: number;
  /** Period of BOOKMARK events on watches that allow them; default 5000 ms. */
  bookmarkMs?: number;
  /** Default: no logging. */
  log?: (line: string) => void;
  /**
   * Workload operators installed (their CRDs served, their controllers run); default jobset,
   * kubeflow and ray. `kueue` is added by `kueue` or by listing it here.
   */
  operators?: Operator[];
  /** Installs Kueue with one ClusterQueue of this GPU quota and a LocalQueue in every namespace. */
  kueue?: SimKueueOptions;
}

export interface SimStats {
  /** Successful creates ever per "namespace/name" (persisted with `dataFile`). */
  creates: Record<string, number>;
  /** Job and custom-resource create requests since start, including failed ones. */
  createAttempts: number;
  /** Requests since start, including `/sim/*` and refused ones. */
  requests: number;
}

export interface SimCluster {
  readonly id: string;
  /** e.g. http://127.0.0.1:34567 */
  readonly url: string;
  setFaults(f: SimFaults): void;
  stats(): SimStats;
  /** Stops the server and timers and closes the DB; resolves when the port is free. */
  close(): Promise<void>;
}
