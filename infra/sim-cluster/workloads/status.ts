/**
 * The status each controller writes, from the state of its gang: JobSet conditions
 * (Completed/Failed/Suspended), terminalState and replicatedJobsStatus; PyTorchJob conditions
 * (Created/Running/Restarting/Succeeded/Failed/Suspended) and replicaStatuses; RayJob jobStatus
 * (PENDING/RUNNING/SUCCEEDED/FAILED/STOPPED) and jobDeploymentStatus
 * (Initializing/Running/Complete/Failed/Suspended). A condition keeps its lastTransitionTime
 * while its status does not change.
 */
import { isoSeconds } from '../store.js';
import type { Condition, KubeObject, PodObject } from '../types.js';
import type { ReplicaPod } from './shape.js';
import { rayClusterName } from './shape.js';

export type GangPhase = 'Suspended' | 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface GangView {
  phase: GangPhase;
  replicas: ReplicaPod[];
  /** Existing pods by name. */
  pods: Map<string, PodObject>;
  /** The first replica that exited non-zero. */
  failure?: { pod: string; role: string; exitCode: number; reason: string };
  /** Set when the workload failed for its deadline instead of a replica. */
  deadline?: boolean;
}

type Rec = Record<string, unknown>;

function setCondition(
  list: Condition[],
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  now: Date,
): Condition[] {
  const at = isoSeconds(now);
  const old = list.find((c) => c.type === type);
  if (old && old.status === status && old.reason === reason) return list;
  const next: Condition = {
    type,
    status,
    reason,
    message,
    lastTransitionTime: old?.status === status ? (old.lastTransitionTime ?? at) : at,
    lastUpdateTime: at,
  };
  return old ? list.map((c) => (c === old ? next : c)) : [...list, next];
}

function failureMessage(v: GangView): string {
  if (v.deadline) return 'the workload was active longer than its activeDeadlineSeconds';
  const f = v.failure;
  return f
    ? `pod ${f.pod} (${f.role}) exited with code ${f.exitCode} (${f.reason})`
    : 'a replica failed';
}

function counts(v: GangView, filter: (r: ReplicaPod) => boolean) {
  const c = { active: 0, ready: 0, succeeded: 0, failed: 0 };
  for (const r of v.replicas.filter(filter)) {
    const phase = v.pods.get(r.name)?.status.phase;
    if (phase === 'Running') [c.active, c.ready] = [c.active + 1, c.ready + 1];
    else if (phase === 'Pending') c.active += 1;
    else if (phase === 'Succeeded') c.succeeded += 1;
    else if (phase === 'Failed') c.failed += 1;
  }
  return c;
}

function jobSetStatus(o: KubeObject, v: GangView, now: Date): Rec {
  const s = { ...(o.status as Rec) };
  let conds = (s.conditions ?? []) as Condition[];
  const suspended = v.phase === 'Suspended';
  if (suspended || conds.some((c) => c.type === 'Suspended'))
    conds = setCondition(
      conds,
      'Suspended',
      suspended ? 'True' : 'False',
      suspended ? 'SuspendedJobs' : 'ResumeJobs',
      suspended ? 'jobset is suspended' : 'jobset is resumed',
      now,
    );
  if (v.phase === 'Succeeded') {
    conds = setCondition(
      conds,
      'Completed',
      'True',
      'AllJobsCompleted',
      'jobset completed successfully',
      now,
    );
    s.terminalState = 'Completed';
  }
  if (v.phase === 'Failed') {
    conds = setCondition(
      conds,
      'Failed',
      'True',
      'FailedJobs',
      `jobset failed due to reaching max restarts: ${failureMessage(v)}`,
      now,
    );
    s.terminalState = 'Failed';
  }
  const roles = [...new Set(v.replicas.map((r) => r.role))];
  return {
    ...s,
    conditions: conds,
    restarts: 0,
    replicatedJobsStatus: roles.map((name) => {
      const c = counts(v, (r) => r.role === name);
      return {
        name,
        ...c,
        suspended: suspended ? v.replicas.filter((r) => r.role === name).length : 0,
      };
    }),
  };
}

/** The training operator's conditions for `v`, from the ones already written. */
function pyTorchConditions(o: KubeObject, v: GangView, now: Date): Condition[] {
  const id = `PyTorchJob ${o.metadata.namespace}/${o.metadata.name}`;
  let conds = ((o.status as Rec | undefined)?.conditions ?? []) as Condition[];
  conds = setCondition(conds, 'Created', 'True', 'PyTorchJobCreated', `${id} is created.`, now);
  if (v.phase === 'Suspended') {
    conds = setCondition(
      conds,
      'Suspended',
      'True',
      'PyTorchJobSuspended',
      `${id} is suspended.`,
      now,
    );
    conds = conds.some((c) => c.type === 'Running')
      ? setCondition(conds, 'Running', 'False', 'PyTorchJobSuspended', `${id} is suspended.`, now)
      : conds;
  } else if (conds.some((c) => c.type === 'Suspended' && c.status === 'True')) {
    conds = setCondition(
      conds,
      'Suspended',
      'False',
      'PyTorchJobResumed',
      `${id} is resumed.`,
      now,
    );
  }
  if (v.phase === 'Running' || v.phase === 'Succeeded' || v.phase === 'Failed')
    conds = setCondition(
      conds,
      'Running',
      v.phase === 'Running' ? 'True' : 'False',
      v.phase === 'Running'
        ? 'PyTorchJobRunning'
        : v.phase === 'Succeeded'
          ? 'PyTorchJobSucceeded'
          : 'PyTorchJobFailed',
      v.phase === 'Running'
        ? `${id} is running.`
        : v.phase === 'Succeeded'
          ? `${id} successfully completed.`
          : `${id} is failed.`,
      now,
    );
  if (v.phase === 'Succeeded')
    conds = setCondition(
      conds,
      'Succeeded',
      'True',
      'PyTorchJobSucceeded',
      `${id} successfully completed.`,
      now,
    );
  if (v.phase === 'Failed') {
    const role = v.failure?.role ?? 'Worker';
    conds = setCondition(
      conds,
      'Failed',
      'True',
      v.deadline ? 'DeadlineExceeded' : 'PyTorchJobFailed',
      `${id} is failed because 1 ${role} replica(s) failed: ${failureMessage(v)}.`,
      now,
    );
  }
  return conds;
}

function pyTorchStatus(o: KubeObject, v: GangView, now: Date): Rec {
  const s = { ...(o.status as Rec) };
  const roles = [...new Set(v.replicas.map((r) => r.role))];
  const replicaStatuses = Object.fromEntries(
    roles.map((role) => {
      const { ready: _ready, ...c } = counts(v, (r) => r.role === role);
      const selector = `training.kubeflow.org/job-name=${o.metadata.name},training.kubeflow.org/operator-name=pytorchjob-controller,training.kubeflow.org/replica-type=${role.toLowerCase()}`;
      return [role, { ...c, selector }];
    }),
  );
  const running = v.phase === 'Running' || v.phase === 'Succeeded' || v.phase === 'Failed';
  const ended = v.phase === 'Succeeded' || v.phase === 'Failed';
  return {
    ...s,
    conditions: pyTorchConditions(o, v, now),
    replicaStatuses,
    ...(running && !s.startTime ? { startTime: isoSeconds(now) } : {}),
    ...(ended && !s.completionTime ? { completionTime: isoSeconds(now) } : {}),
    lastReconcileTime: s.lastReconcileTime ?? isoSeconds(now),
  };
}

function rayStatus(o: KubeObject, v: GangView, now: Date): Rec {
  const s = { ...(o.status as Rec) };
  const byPhase: Record<GangPhase, [string, string]> = {
    Suspended: ['Suspended', ''],
    Pending: ['Initializing', 'PENDING'],
    Running: ['Running', 'RUNNING'],
    Succeeded: ['Complete', 'SUCCEEDED'],
    Failed: ['Failed', v.deadline ? 'STOPPED' : 'FAILED'],
  };
  const [deployment, job] = byPhase[v.phase];
  const ended = v.phase === 'Succeeded' || v.phase === 'Failed';
  const out: Rec = {
    ...s,
    jobDeploymentStatus: deployment,
    jobStatus: job || (s.jobStatus ?? ''),
    rayClusterName: rayClusterName(o),
    jobId: s.jobId ?? `${o.metadata.name}-sim`,
    dashboardURL: `${rayClusterName(o)}-head-svc.${o.metadata.namespace}.svc.cluster.local:8265`,
    observedGeneration: o.metadata.generation ?? 1,
  };
  if (v.phase === 'Running' && !s.startTime) out.startTime = isoSeconds(now);
  if (v.phase === 'Pending' && !s.startTime) out.startTime = isoSeconds(now);
  if (ended && !s.endTime) out.endTime = isoSeconds(now);
  if (v.phase === 'Succeeded') [out.succeeded, out.message] = [1, 'Job finished successfully.'];
  if (v.phase === 'Failed') {
    out.failed = 1;
    out.reason = v.deadline ? 'DeadlineExceeded' : 'AppFailed';
    out.message = `Job entrypoint failed: ${failureMessage(v)}`;
  }
  return out;
}

/** The status the controller of `o` writes for `view`. */
export function nextStatus(o: KubeObject, view: GangView, now: Date): Rec {
  if (o.kind === 'JobSet') return jobSetStatus(o, view, now);
  if (o.kind === 'PyTorchJob') return pyTorchStatus(o, view, now);
  return rayStatus(o, view, now);
}

/** True once the controller has written a terminal status. */
export function finished(o: KubeObject): boolean {
  const s = (o.status ?? {}) as Rec;
  if (o.kind === 'JobSet') return s.terminalState === 'Completed' || s.terminalState === 'Failed';
  if (o.kind === 'RayJob')
    return s.jobDeploymentStatus === 'Complete' || s.jobDeploymentStatus === 'Failed';
  return ((s.conditions ?? []) as Condition[]).some(
    (c) => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True',
  );
}

/** When the workload reached its terminal status (for TTLs), or undefined. */
export function finishedAt(o: KubeObject): number | undefined {
  const s = (o.status ?? {}) as Rec;
  const at = String(s.completionTime ?? s.endTime ?? '');
  if (at) return Date.parse(at);
  const c = ((s.conditions ?? []) as Condition[]).find(
    (x) => ['Completed', 'Failed', 'Succeeded'].includes(x.type) && x.status === 'True',
  );
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined;
}
