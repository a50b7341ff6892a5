/**
 * A maintenance plan: a rolling upgrade over clusters. Each cluster goes waiting → draining →
 * upgrading → done, at most `maxUnavailable` of them out (draining or upgrading) at a time. The
 * record is stored and advanced by the control plane's sweep, so it survives a restart.
 */

export type PlanState = 'running' | 'paused' | 'succeeded' | 'cancelled';
export type PlanStepState = 'waiting' | 'draining' | 'upgrading' | 'done' | 'cancelled';

export interface PlanStep {
  clusterId: string;
  state: PlanStepState;
  /** True when the plan cordoned the cluster (so cancel gives it back). */
  cordoned?: boolean;
  drainStartedAt?: string;
  /** When jobs still running there are waited for no longer (`atDeadline` says what then). */
  drainDeadline?: string;
  /** The version the cluster reported before its upgrade was asked for. */
  fromVersion?: string;
  upgradeRequestedAt?: string;
  /** The version it reported when found ready. */
  toVersion?: string;
  /** `version` (a new version and a healthy heartbeat) or `operator` (POST …/done). */
  doneBy?: 'version' | 'operator';
  doneAt?: string;
  /** Jobs requeued elsewhere at the drain deadline. */
  requeued?: string[];
}

export interface PlanEvent {
  at: string;
  /** e.g. `plan.started`, `cluster.draining`, `cluster.upgrade-requested`, `cluster.done`. */
  type: string;
  clusterId?: string;
  message: string;
}

export interface MaintenancePlan {
  id: string;
  /** The tenant of the operator who started it (plans are fleet-wide; this is for the record). */
  tenantId: string;
  description: string;
  state: PlanState;
  maxUnavailable: number;
  drainTimeoutSeconds: number;
  atDeadline: 'wait' | 'requeue';
  upgrade: { webhook?: { url: string; secret: string } };
  /** How the clusters were chosen, as given. */
  selector: { clusters?: string[]; labels?: Record<string, string> };
  steps: PlanStep[];
  events: PlanEvent[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** The steps that hold a cluster out of service. */
export const OUT_OF_SERVICE: ReadonlySet<PlanStepState> = new Set(['draining', 'upgrading']);
