/**
 * What one reconcile found on one cluster, the same for a Kubernetes cluster (reconcile.ts) and a
 * Slurm target (reconcile-targets.ts), so `POST /reconcile` answers one shape for both.
 */
export interface ClusterReconcile {
  clusterId: string;
  /** Whether its Jobs could be listed to the end (false: unreachable, failing, or out of time). */
  complete: boolean;
  jobsSeen: number;
  reported: number;
  /** Reports the control plane did not take (retried by the next reconcile). */
  reportsFailed: number;
  pages: number;
  heartbeat: boolean;
  /** Expected jobs (submitted or running) whose Kubernetes Job was not on the cluster: reported. */
  vanished: number;
  /** Lines of job output shipped (Kubernetes clusters; absent where none were). */
  logLines?: number;
  /** Why listing or the heartbeat failed. */
  error?: string;
}
