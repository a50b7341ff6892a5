/**
 * The wire shapes the dashboard reads from the `/v1` API: only the fields it shows, written out
 * here (type-only) so the browser bundle depends on nothing but the DOM. A replica is the one
 * exception: its type is shared/domain/replica.ts's (a ground-floor file that imports nothing).
 */
import type { ReplicaState } from '../../domain/replica.js';

export type Tab = 'clusters' | 'queues' | 'jobs' | 'schedules' | 'usage' | 'policy' | 'maintenance';

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface WhoAmI {
  tenantId: string;
  scopes: string[];
  projects: string[];
}

export interface Accelerator {
  type: string;
  totalGpus: number;
  freeGpus?: number | null;
  capacityKnown?: boolean;
  nodes: number;
  gpusPerNode: number;
  costPerGpuHour?: number;
}

export interface Cluster {
  id: string;
  cloud: string;
  region: string;
  status: string;
  queue: string;
  labels?: Record<string, string>;
  accelerators: Accelerator[];
  capacityKnown?: boolean;
  /** Workload kinds it runs; `kindsKnown: false` while it has not reported them. */
  kinds?: string[];
  kindsKnown?: boolean;
  lastHeartbeat?: string | null;
  simulated?: { apiUrl: string } | null;
}

export interface ClusterOpResult {
  status: string;
  moved: Array<{ jobId: string; state: string; clusterId?: string | null }>;
  remaining: Array<{ jobId: string; state: string }>;
}

export interface JobSpec {
  image?: string;
  command?: string[];
  args?: string[];
  priority?: number;
  labels?: Record<string, string>;
  env?: Record<string, string>;
  deadlineSeconds?: number;
  callback?: { url: string } | null;
  /** Workload kind (absent: `job`) and gang size (absent: 1). */
  kind?: string;
  nodes?: number;
  resources?: {
    cpu?: string;
    memory?: string;
    accelerator?: { type: string; count: number } | null;
  };
}

export interface Candidate {
  clusterId: string;
  feasible: boolean;
  score?: number | null;
  reasons?: string[];
  terms?: { cost: number; freeCapacity: number; spread: number; preference: number } | null;
}

export interface Decision {
  outcome: string;
  message?: string;
  clusterId?: string | null;
  policyVersion?: string;
  matchedRules?: string[];
  effectivePriority?: number;
  evaluatedAt?: string;
  candidates?: Candidate[];
  candidatesOmitted?: number;
}

export interface JobEvent {
  at: string;
  state?: string | null;
  reason: string;
  message: string;
}

export interface Job {
  id: string;
  name: string;
  project: string;
  state: string;
  clusterId?: string | null;
  spec?: JobSpec;
  origin?: { kind: string; id: string } | null;
  createdAt: string;
  updatedAt?: string;
  result?: { exitCode?: number | null; reason?: string | null } | null;
  kubernetes?: { namespace: string; name: string; attempt: number } | null;
  /** The Slurm job id once its drainer reported it (only Slurm targets report one today). */
  targetJobId?: string | null;
  /** The W3C trace id on the job's log lines (null: a job from before traces). */
  traceId?: string | null;
  idempotencyKey?: string | null;
  decision?: Decision | null;
  attempts?: JobAttempt[];
  /** A multi-node job's pods, as its drainer last reported them. */
  replicas?: JobReplica[];
  events?: JobEvent[];
}

/** One pod of a multi-node job (GET /v1/jobs/ID `replicas`): the domain's own type. */
export type JobReplica = ReplicaState;

/** One run of a job: where, when, how it ended (`active` while it runs). */
export interface JobAttempt {
  attempt: number;
  clusterId: string;
  placedAt?: string;
  startedAt?: string;
  endedAt: string | null;
  outcome: string;
  reason: string;
  exitCode: number | null;
}

export interface Delivery {
  id: string;
  eventType: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError?: string | null;
  lastAttemptAt?: string | null;
  url: string;
}

export interface Schedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  concurrencyPolicy: string;
  maxCatchUp: number;
  suspended: boolean;
  template?: { project?: string; name?: string };
  nextFireTimes?: string[];
  recentRuns?: Array<{ slot: string; jobId?: string | null }>;
}

export interface QueuesView {
  items: Array<{
    queue: string;
    clusters: string[];
    waiting: number;
    oldestWaitingSince?: string | null;
    started: number;
  }>;
  pending: number;
  truncated?: boolean;
}

export interface UsageGpu {
  type: string;
  inUse: number;
  quota: number | null;
}

export interface UsageView {
  items: Array<{
    id: string;
    kind: 'tenant' | 'project';
    tenantId?: string;
    project?: string;
    gpus: UsageGpu[];
    /** Spend per hour against the budget in money; absent from servers before budgets. */
    cost?: UsageCost;
  }>;
}

export interface UsageCost {
  perHour: number;
  budget: number | null;
  currency: string;
}

export interface PolicyMeta {
  revision: number;
  updatedAt?: string;
  updatedBy?: string;
  summary?: string;
  rollbackOf?: number;
  policyVersion?: string | number;
}

export interface StoredPolicy extends PolicyMeta {
  document: Record<string, unknown> | null;
}

export interface PolicyDiff {
  from: number;
  to: number;
  summary: string;
  changes: Array<{ op: '+' | '-' | '~'; path: string; from?: unknown; to?: unknown }>;
}

export interface SimOutcome {
  outcome: 'placed' | 'pending' | 'rejected';
  clusterId?: string;
  message?: string;
}

export interface PolicySimulation {
  summary: {
    replayed: number;
    changed: number;
    moves: { clusters: Array<{ from: string; to: string; jobs: number }> };
    newlyPending: { jobs: number; reasons: Array<{ reason: string; jobs: number }> };
    newlyRejected: { jobs: number; reasons: Array<{ reason: string; jobs: number }> };
    newlyPlaced: number;
    costPerHour: { before: number; after: number; change: number };
    budgetPressure?: {
      waiting: { before: number; after: number };
      budgets: Array<{
        id: string;
        maxCostPerHour: number;
        currency: string;
        spendPerHour: number;
      }>;
    };
  };
  changes: Array<{ jobId: string; project: string; before: SimOutcome; after: SimOutcome }>;
  changesOmitted: number;
}

export interface MaintenanceStep {
  clusterId: string;
  state: string;
  cordoned?: boolean;
  drainDeadline?: string;
  fromVersion?: string;
  toVersion?: string;
  requeued?: string[];
}

export interface MaintenancePlan {
  id: string;
  description: string;
  state: string;
  maxUnavailable: number;
  drainTimeoutSeconds: number;
  atDeadline: string;
  steps: MaintenanceStep[];
  events: Array<{ at: string; type: string; message: string }>;
  createdAt: string;
}
