/**
 * What Switchyard reads back from a JobSet, PyTorchJob or RayJob, from what their controllers
 * write: JobSet conditions (Completed/Failed/Suspended), training-operator conditions
 * (Created/Running/Restarting/Succeeded/Failed), KubeRay's `jobStatus` and `jobDeploymentStatus`.
 * A suspended workload (waiting for Kueue) is pending with reason `Suspended`. Pure, edge-safe.
 */
import type { WorkloadKind } from '../../domain/job.js';
import { jobStatusFromKube, type JobLike } from './kube-status.js';
import type { KubeJobStatus } from './port.js';
import { KUEUE_QUEUE_LABEL } from './workload-kinds.js';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The fields of any of the workload objects read here. */
export interface WorkloadLike {
  metadata?: JobLike['metadata'];
  spec?: { suspend?: boolean; runPolicy?: { suspend?: boolean } };
  status?: {
    conditions?: Condition[];
    startTime?: unknown;
    completionTime?: unknown;
    endTime?: unknown;
    active?: number;
    ready?: number;
    replicatedJobsStatus?: { ready?: number; active?: number }[];
    replicaStatuses?: Record<string, { active?: number }>;
    jobStatus?: string;
    jobDeploymentStatus?: string;
    reason?: string;
    message?: string;
  };
}

function isoOf(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function base(kind: WorkloadKind, obj: WorkloadLike): KubeJobStatus {
  const meta = obj.metadata ?? {};
  const status: KubeJobStatus = {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    labels: { ...meta.labels },
    annotations: { ...meta.annotations },
    phase: 'pending',
    resourceVersion: meta.resourceVersion ?? '',
    kind,
  };
  const start = isoOf(obj.status?.startTime);
  const end = isoOf(obj.status?.completionTime) ?? isoOf(obj.status?.endTime);
  if (start) status.startTime = start;
  if (end) status.completionTime = end;
  return status;
}

function holds(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type && c.status === 'True');
}

function withCondition(s: KubeJobStatus, phase: KubeJobStatus['phase'], c: Condition) {
  s.phase = phase;
  if (c.reason) s.reason = c.reason;
  if (c.message) s.message = c.message;
  return s;
}

/** Pending and suspended: Kueue has not admitted it yet (or someone suspended it). */
function suspended(s: KubeJobStatus): KubeJobStatus {
  s.phase = 'pending';
  s.reason = 'Suspended';
  const queue = s.labels[KUEUE_QUEUE_LABEL];
  s.message = queue
    ? `waiting for admission by Kueue (LocalQueue ${queue})`
    : 'the workload is suspended';
  return s;
}

function jobSetStatus(obj: WorkloadLike): KubeJobStatus {
  const s = base('jobset', obj);
  const conditions = obj.status?.conditions;
  const failed = holds(conditions, 'Failed');
  if (failed) return withCondition(s, 'failed', failed);
  const completed = holds(conditions, 'Completed');
  if (completed) return withCondition(s, 'succeeded', completed);
  if (obj.spec?.suspend || holds(conditions, 'Suspended')) return suspended(s);
  const ready = (obj.status?.replicatedJobsStatus ?? []).reduce((n, r) => n + (r.ready ?? 0), 0);
  if (ready > 0) s.phase = 'running';
  return s;
}

function pyTorchJobStatus(obj: WorkloadLike): KubeJobStatus {
  const s = base('pytorchjob', obj);
  const conditions = obj.status?.conditions;
  const failed = holds(conditions, 'Failed');
  if (failed) return withCondition(s, 'failed', failed);
  const succeeded = holds(conditions, 'Succeeded');
  if (succeeded) return withCondition(s, 'succeeded', succeeded);
  if (obj.spec?.runPolicy?.suspend || holds(conditions, 'Suspended')) return suspended(s);
  const running = holds(conditions, 'Running') ?? holds(conditions, 'Restarting');
  if (running) return withCondition(s, 'running', running);
  return s;
}

const RAY_FAILED_JOB = new Set(['FAILED', 'STOPPED']);

function rayJobStatus(obj: WorkloadLike): KubeJobStatus {
  const s = base('rayjob', obj);
  const st = obj.status ?? {};
  const note = () => {
    if (st.reason) s.reason = st.reason;
    if (st.message) s.message = st.message;
  };
  const deployment = st.jobDeploymentStatus;
  if (deployment === 'Failed' || RAY_FAILED_JOB.has(st.jobStatus ?? '')) {
    s.phase = 'failed';
    note();
    s.reason ??= st.jobStatus === 'STOPPED' ? 'Stopped' : 'Failed';
    return s;
  }
  if (st.jobStatus === 'SUCCEEDED' || deployment === 'Complete') {
    s.phase = 'succeeded';
    note();
    return s;
  }
  if (obj.spec?.suspend || deployment === 'Suspended' || deployment === 'Suspending') {
    return suspended(s);
  }
  if (st.jobStatus === 'RUNNING' || deployment === 'Running') s.phase = 'running';
  return s;
}

/** A Job, also when suspended (Kueue sets `spec.suspend`, the Job controller `Suspended`). */
function batchJobStatus(obj: WorkloadLike): KubeJobStatus {
  const s = jobStatusFromKube(obj as JobLike); // kind absent: a Job
  if (s.phase !== 'pending') return s;
  if (obj.spec?.suspend || holds(obj.status?.conditions, 'Suspended')) return suspended(s);
  return s;
}

/** What Switchyard reads back from a workload of `kind`. */
export function workloadStatusFromKube(kind: WorkloadKind, obj: WorkloadLike): KubeJobStatus {
  switch (kind) {
    case 'job':
      return batchJobStatus(obj);
    case 'jobset':
      return jobSetStatus(obj);
    case 'pytorchjob':
      return pyTorchJobStatus(obj);
    case 'rayjob':
      return rayJobStatus(obj);
  }
}

interface NamedPod {
  metadata?: { name?: string };
  status?: {
    containerStatuses?: { state?: { terminated?: { exitCode?: number; reason?: string } } }[];
  };
}

/** The first pod of a gang whose container ended non-zero, by name; undefined when none did. */
export function failingReplica(pods: readonly NamedPod[]): string | undefined {
  const failed = pods.find((p) =>
    (p.status?.containerStatuses ?? []).some((c) => (c.state?.terminated?.exitCode ?? 0) !== 0),
  );
  return failed?.metadata?.name;
}
