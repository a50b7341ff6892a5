/**
 * What a drainer needs from the control plane. In the embedded default it is called in-process;
 * a remote drainer reaches the same service over signed HTTP.
 */
import type { ReplicaState } from '../domain/replica.js';
import type { CapacityReport } from '../domain/cluster.js';
import type { ContainerResult, KubeJobPhase } from '../targets/kubernetes/port.js';
import type { LogPositions, LogPositionsRequest, LogShipAnswer, LogShipment } from './logs.js';
import type { TargetKind } from '../targets/port.js';

export interface ClaimRequest {
  jobId: string;
  clusterId: string;
  attempt: number;
}

export interface ClaimAnswer {
  /** False when the job was cancelled or placed elsewhere since the message was sent. */
  proceed: boolean;
  reason?: string;
}

export interface StatusReport {
  jobId: string;
  clusterId: string;
  attempt: number;
  /**
   * The Kubernetes Job's phase, or `deleted` when it disappeared, or `create-failed`; from other
   * targets also `cancelled` (stopped there, e.g. `scancel`) and `requeued` (taken back to wait
   * again: Slurm PREEMPTED/REQUEUED). See dispatch/target-reports.ts.
   */
  phase: KubeJobPhase | 'deleted' | 'create-failed' | 'cancelled' | 'requeued';
  reason?: string;
  /** Which kind of target reports (default `kubernetes`): the words of events follow it. */
  targetKind?: TargetKind;
  /** The target's own id of the job (a Slurm job id), kept as `placement.targetJobId`. */
  targetJobId?: string;
  message?: string;
  /** For `succeeded`/`failed`: how the container ended, when its pod still showed it. */
  result?: ContainerResult;
  /** A multi-node workload's pods (shared/domain/replica.ts), at most `MAX_REPLICAS`. */
  replicas?: ReplicaState[];
  /**
   * The job's W3C `traceparent` as the drainer knows it (create message, workload annotation,
   * Slurm comment); optional, absent from drainers and jobs from before traces.
   */
  traceparent?: string;
  at: string;
}

export interface ReportAnswer {
  /** `delete`: the Kubernetes Job should not exist (job cancelled or moved); remove it. */
  action?: 'delete';
}

/** A job the control plane believes has a live Kubernetes Job on a cluster (submitted or running). */
export interface ExpectedJob {
  jobId: string;
  attempt: number;
  namespace: string;
  kubeName: string;
  /** The job's W3C trace id (absent on jobs from before traces). */
  traceId?: string;
}

export interface ControlPlane {
  claim(request: ClaimRequest): Promise<ClaimAnswer>;
  report(report: StatusReport): Promise<ReportAnswer>;
  heartbeat(clusterId: string, capacity: CapacityReport): Promise<void>;
  /** Stores a chunk of a job's output (shared/protocol/logs.ts); absent where logs are not kept. */
  shipLogs?(chunk: LogShipment): Promise<LogShipAnswer>;
  /** Where each of a job's log streams stands: where a drainer without memory resumes shipping. */
  logPositions?(request: LogPositionsRequest): Promise<LogPositions>;
  /**
   * The jobs placed on `clusterId` in state submitted or running: what a drainer without a watch
   * (the push function's reconcile) compares with the cluster's list to notice a vanished Job.
   */
  expected?(clusterId: string): Promise<ExpectedJob[]>;
}
