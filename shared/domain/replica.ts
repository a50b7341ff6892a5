/**
 * One pod of a multi-node job (a JobSet, PyTorchJob or RayJob) as its drainer last reported it:
 * which replica it is, where it runs, its pod phase and, once its container ended, how. The job
 * keeps the list from its latest status report, so the API, CLI and dashboard show each replica.
 * The one definition: the CLI and the dashboard's browser code import this type and its labels too.
 */

/** Most replicas a report carries and a job keeps: 64 pods of a gang, a Ray head, and spare. */
export const MAX_REPLICAS = 72;

export interface ReplicaState {
  /** Its role in the workload: `master`/`worker` (PyTorchJob), the replicated Job (JobSet), `head`/`worker` (RayJob). */
  role?: string;
  /** Its index within the role (the controller's replica/job index, else its order by name). */
  index: number;
  pod: string;
  /** The node it was scheduled on; absent while unscheduled. */
  node?: string;
  /** Kubernetes' pod phase: `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  phase: string;
  /** Once its container ended: the exit code and reason (`Completed`, `Error`, `OOMKilled`…). */
  exitCode?: number;
  reason?: string;
}

/** How a replica is named in the CLI and the dashboard: `worker 1`, or the index alone without a role. */
export function replicaName(r: ReplicaState): string {
  return r.role ? `${r.role} ${r.index}` : String(r.index);
}

/** How its container ended: `exit 7 (Error)`, else the reason alone; undefined while it runs. */
export function replicaEnded(r: ReplicaState): string | undefined {
  return r.exitCode !== undefined
    ? `exit ${r.exitCode}${r.reason ? ` (${r.reason})` : ''}`
    : r.reason;
}

/** Whether two replica lists say the same (a repeated report changes nothing). */
export function sameReplicas(a: readonly ReplicaState[] | undefined, b: readonly ReplicaState[]) {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
