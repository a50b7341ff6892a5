/**
 * The target port: what dispatch needs from any place that runs jobs, whatever its API. A
 * Kubernetes cluster (targets/kubernetes/target.ts, over the ClusterDriver) and a Slurm cluster
 * (targets/slurm/) implement it; both pass test/contract/target.contract.ts. A target only ever
 * touches what Switchyard made: its objects carry the job id and are found by it. Edge-safe.
 */
import type { CapacityReport } from '../domain/cluster.js';
import type { JobSpec, Placement } from '../domain/job.js';

export type TargetKind = 'kubernetes' | 'slurm';

/** What one placed job asks a target to run: a create message, or a job and its placement. */
export interface TargetWorkload {
  jobId: string;
  tenantId: string;
  submittedBy: string;
  /** The spec without its callback: secrets never reach a target. */
  spec: Omit<JobSpec, 'callback'>;
  placement: Placement;
  /** The job's W3C trace id, passed to the target (absent on jobs from before traces). */
  traceId?: string;
}

/** How a job Switchyard made is found again: its id, its name (`sy-<job id>`), its namespace. */
export interface TargetJobRef {
  jobId: string;
  name: string;
  /** Kubernetes only; other targets ignore it. */
  namespace?: string;
}

/**
 * Where a job stands on its target, in Switchyard's words. `waiting`: the target took it back
 * (Slurm requeued or preempted it) and it will run again; `submitted`: accepted, not running yet.
 */
export type TargetJobState =
  'submitted' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'waiting';

export interface TargetJobStatus {
  jobId: string;
  name: string;
  /** The target's own id: a Kubernetes uid, a Slurm job id. */
  externalId: string;
  /** The placement attempt it was made for. */
  attempt: number;
  state: TargetJobState;
  /** The target's reason for the state, e.g. `Unschedulable`, `Resources`, `NonZeroExitCode`. */
  reason?: string;
  message?: string;
  /** Set once it ended: the exit code of its command (absent when the target shows none). */
  exitCode?: number;
  /** The job's trace id, as the target keeps it (absent when it keeps none). */
  traceId?: string;
}

/**
 * New output of one of a job's streams (issue #17), from line `fromLine` of that stream: each line
 * `<RFC 3339 time> <text>`, as the drainer protocol ships them. A Slurm job has one stream, its
 * output file; a target that stamps no times stamps each line with the time it was read.
 */
export interface TargetOutput {
  stream: string;
  replica: number;
  fromLine: number;
  lines: string[];
}

export interface Target {
  readonly clusterId: string;
  readonly kind: TargetKind;
  /**
   * Starts the job, or adopts the one this job id already has there (`'exists'`): a redelivered
   * create never runs the job twice. Throws ClusterError (`foreign-object` when the name is taken
   * by something Switchyard did not make for this job).
   */
  create(work: TargetWorkload): Promise<'created' | 'exists'>;
  /** Stops the job. Resolves `false` when the target has no such job (or it already ended). */
  cancel(ref: TargetJobRef): Promise<boolean>;
  /** Its status, or undefined when the target has no such job (never made, or cleaned up). */
  status(ref: TargetJobRef): Promise<TargetJobStatus | undefined>;
  /** Every job Switchyard made there that the target still shows (for reconcile). */
  list(): Promise<TargetJobStatus[]>;
  /**
   * Optional: the jobs made there before deployments had ids (no deployment recorded), which
   * `list` leaves out; whose they are is the control plane's to say (drainer/legacy.ts).
   */
  listUnmarked?(): Promise<TargetJobStatus[]>;
  /** Live GPU capacity per accelerator, with `freePerNode`, and the workload kinds it runs. */
  capacity(): Promise<CapacityReport>;
  close(): Promise<void>;
  /**
   * Optional: the job's output past `positions` (lines already stored per stream), a bounded read
   * per stream (call again while it returns lines). While the job runs only complete lines are
   * returned; with `ended`, a last line without its newline too. A stream with no new output (or
   * none yet: the job is pending) is left out. Absent when the target's output cannot be read here.
   */
  readOutput?(
    status: TargetJobStatus,
    positions: Readonly<Record<string, number>>,
    ended: boolean,
  ): Promise<TargetOutput[]>;
}
