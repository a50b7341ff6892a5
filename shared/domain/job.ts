/** The job: what a submitter asked for, where it was placed, and everything that happened to it. */
import type { ReplicaState } from './replica.js';

export const JOB_STATES = [
  'received',
  'pending',
  'dispatched',
  'submitted',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
]);

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}

/** Order of progress; a report never moves a job backwards. */
export const STATE_RANK: Record<JobState, number> = {
  received: 0,
  pending: 1,
  dispatched: 2,
  submitted: 3,
  running: 4,
  succeeded: 5,
  failed: 5,
  cancelled: 5,
  rejected: 5,
};

export interface Callback {
  url: string;
  /** Standard Webhooks secret, `whsec_<base64>`. Never returned by the API. */
  secret: string;
}

export interface AcceleratorRequest {
  /** Accelerator type, e.g. `nvidia-a100`, `nvidia-h100`. */
  type: string;
  count: number;
}

export interface JobResources {
  accelerator?: AcceleratorRequest;
  /** Kubernetes quantity, e.g. `4` or `500m`. */
  cpu?: string;
  /** Kubernetes quantity, e.g. `16Gi`. */
  memory?: string;
}

/** The workload kinds Switchyard can run; `job` is a single-pod `batch/v1` Job. */
export const WORKLOAD_KINDS = ['job', 'jobset', 'pytorchjob', 'rayjob'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];
/** Most pods a gang may ask for at once. */
export const MAX_NODES = 64;

/** JobSet options: a leader/worker split of the gang and how often the JobSet may restart. */
export interface JobSetOptions {
  /** Pods in the `leader` replicated Job (0 or 1; default 1); the rest are `workers`. */
  leaders?: number;
  failurePolicy?: { maxRestarts?: number };
}

/** PyTorchJob options: processes per pod and the Master/Worker split. */
export interface PyTorchOptions {
  /** `torchrun --nproc-per-node`; default the per-node GPU count (1 without GPUs). */
  nprocPerNode?: number;
  /** Master replicas (0 or 1; default 1); the rest of the gang are Workers. */
  masters?: number;
}

/** RayJob options: the Ray job's entrypoint and the head pod (the gang are the worker pods). */
export interface RayOptions {
  entrypoint: string;
  /** Resources of the head pod, which holds no GPUs; default cpu 1, memory 2Gi. */
  head?: { cpu?: string; memory?: string };
  /** Whether the Ray cluster is deleted when the job ends; default true. */
  shutdownAfterJobFinishes?: boolean;
}

/** Options of the job's kind; at most the one key that matches `kind`. */
export interface WorkloadOptions {
  jobset?: JobSetOptions;
  pytorch?: PyTorchOptions;
  ray?: RayOptions;
}

/** What the submitter asked for, validated and normalised. */
export interface JobSpec {
  name: string;
  project: string;
  image: string;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  /** What runs in the cluster; absent means `job`. */
  kind?: WorkloadKind;
  /**
   * How many pods must run at once (the gang), each with `resources`; absent means 1. A gang's
   * GPUs are `nodes × resources.accelerator.count`, and it fits a cluster only when that many of
   * its nodes each have `count` free GPUs of the type.
   */
  nodes?: number;
  /** Options of the kind (`jobset`, `pytorch` or `ray`); checked against `kind`. */
  options?: WorkloadOptions;
  resources: JobResources;
  priority: number;
  labels: Record<string, string>;
  /** Maximum run time; becomes the Kubernetes Job's `activeDeadlineSeconds`. */
  deadlineSeconds?: number;
  callback?: Callback;
  /** Where the submitter allows the job to run; every given field must hold. */
  constraints?: PlacementConstraints;
  /** Runs again after a failure (see `domain/retry.ts` for which failures and how often). */
  retry?: RetryPolicy;
}

/** A submission's retry policy: how many runs in all, the wait between them, which exit codes. */
export interface RetryPolicy {
  /** Runs in all, the first included (1–10). */
  maxAttempts: number;
  /** Wait before the job may be placed again (0–3600). */
  backoffSeconds: number;
  /** Exit codes of the job's own code that run it again; other codes fail it at once. */
  onExitCodes?: number[];
}

/** One run of a job that ended (the current run is not listed until it ends). */
export interface JobAttempt {
  /** 1 for the first run; grows by one with every retry. */
  attempt: number;
  clusterId: string;
  /** When the run was placed on the cluster, when it started running, when it ended. */
  placedAt?: string;
  startedAt?: string;
  endedAt: string;
  /** `retried`: it failed and the job runs again; else the job's end state (`failed`, …). */
  outcome: 'retried' | 'failed' | 'succeeded' | 'cancelled';
  reason: string;
  exitCode: number | null;
  message: string;
  /** `placement.attempt` when the run ended (failover hops are counted per run from it). */
  placementAttempt?: number;
}

/** A submission's own placement constraints. Lists mean "any of"; `regions` are globs. */
export interface PlacementConstraints {
  clusters?: string[];
  clouds?: string[];
  regions?: string[];
  labels?: Record<string, string>;
}

/** Where a job was sent. `attempt` grows with every re-placement. */
export interface Placement {
  clusterId: string;
  queue: string;
  namespace: string;
  /** Kubernetes Job name: `sy-<job id>`. */
  kubeName: string;
  attempt: number;
  /** The target's own id of this attempt's job, once its drainer reported it (a Slurm job id). */
  targetJobId?: string;
}

export interface JobEvent {
  at: string;
  /** The state entered, when the event is a transition. */
  state?: JobState;
  /** Stable CamelCase reason, e.g. `Placed`, `Scheduled`, `Completed`. */
  reason: string;
  message: string;
}

export interface CandidateExplanation {
  clusterId: string;
  feasible: boolean;
  /** Set for feasible candidates: higher is better. */
  score?: number;
  /** Why the cluster was filtered out, or the terms of its score. */
  reasons: string[];
  /** Set for feasible candidates: each weighted score term; they add up to `score`. */
  terms?: { cost: number; freeCapacity: number; spread: number; preference: number };
}

/** The preemption a decision did (or, waiting or in explain, would do): which jobs, where, why. */
export interface PreemptionNote {
  clusterId: string;
  /** Other tenants' jobs are named by id only. */
  victims: Array<{ jobId: string; priority: number; gpus: number; runSeconds: number }>;
  message: string;
  /** True once the victims were evicted for this job; false for what would be done. */
  done: boolean;
}

export interface Decision {
  outcome: 'placed' | 'rejected' | 'pending';
  /** Set when `pending`: what the job waits for: a GPU quota, a budget in money, or room. */
  waitingFor?: 'quota' | 'budget' | 'capacity';
  clusterId?: string;
  message: string;
  candidates: CandidateExplanation[];
  evaluatedAt: string;
  /** Version of the routing policy the decision used. */
  policyVersion?: string;
  /** Names of the policy rules that matched the job, in document order. */
  matchedRules?: string[];
  /** The job's priority after the matched rules' defaults and bounds. */
  effectivePriority?: number;
  /** How many candidates were left out of `candidates` to keep the decision small. */
  candidatesOmitted?: number;
  /** Set when the job waits for room that evicting lower-priority work would make. */
  preemption?: PreemptionNote;
}

export interface Reservation {
  key: string;
  amount: number;
  /** The quota the counter may not exceed when taking it. */
  max?: number;
}

/** How a finished job's container ended, as its cluster reported it. */
export interface JobResult {
  /** The container's exit code; null when the cluster did not show one. */
  exitCode: number | null;
  /** E.g. `Completed`, `Error`, `OOMKilled`, `DeadlineExceeded`. */
  reason: string;
}

export interface Job {
  id: string;
  tenantId: string;
  spec: JobSpec;
  state: JobState;
  /** Optimistic-concurrency version; every stored write increments it. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Id of the credential that submitted it. */
  submittedBy: string;
  idempotencyKey?: string;
  /** W3C trace id (32 hex) from the submit's `traceparent`, or made at submit. */
  traceId?: string;
  placement?: Placement;
  decision?: Decision;
  events: JobEvent[];
  /** Set when the job succeeded or failed on a cluster. */
  result?: JobResult;
  /** Set once the job's Kubernetes object is known to be gone after cancel. */
  cleanedUp?: boolean;
  /** Clusters this job must not be placed on again (failed creates, drains, outages). */
  blockedClusters?: string[];
  /**
   * Usage this job holds while placed (GPUs against its tenant's and project's quotas and its
   * cluster's capacity). Taken atomically with the move to `dispatched`, given back atomically
   * when it ends or goes back to `pending`.
   */
  reservation?: Reservation[];
  /** Runs that ended before the current one (retries), oldest first. */
  attempts?: JobAttempt[];
  /** A retried job waits `pending` until this time before it is placed again. */
  retryAt?: string;
  /** A multi-node job's pods, from its drainer's latest report (absent for one-pod jobs). */
  replicas?: ReplicaState[];
}
