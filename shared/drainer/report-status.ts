/**
 * How a drainer turns what it reads from a Kubernetes Job into a status report, written once for
 * the pull drainer's watches (`drainer.ts`) and the push function's reconcile and follow-up check
 * (`reconcile.ts`, `push.ts`). The control plane ignores a report that repeats what it knows, so
 * sending the same phase again is harmless.
 */
import { iso, type Clock } from '../base/clock.js';
import type { Logger } from '../base/log.js';
import { jobLogger } from '../base/job-log.js';
import { traceIdIn, traceparentField } from '../metrics/trace.js';
import type { ControlPlane } from '../protocol/control-port.js';
import {
  ANNOTATION_ATTEMPT,
  ANNOTATION_TRACEPARENT,
  LABEL_JOB_ID,
} from '../targets/kubernetes/labels.js';
import type { ClusterDriver, KubeJobStatus } from '../targets/kubernetes/port.js';

export interface JobMeta {
  jobId: string;
  attempt: number;
  namespace: string;
  name: string;
  /** From the workload's `switchyard.io/traceparent` (absent on workloads from before traces). */
  traceId?: string;
}

export interface StatusReportDeps {
  clusters: ReadonlyMap<string, ClusterDriver>;
  control: ControlPlane;
  clock: Clock;
  log: Logger;
}

/** Which Switchyard job (attempt, trace) a Kubernetes Job runs, from its label and annotations. */
export function jobMetaOf(s: KubeJobStatus): JobMeta | undefined {
  const jobId = s.labels[LABEL_JOB_ID];
  if (!jobId) return undefined;
  const attempt = Number(s.annotations[ANNOTATION_ATTEMPT] ?? 1);
  const traceId = traceIdIn(s.annotations[ANNOTATION_TRACEPARENT]);
  return {
    jobId,
    attempt: Number.isFinite(attempt) ? attempt : 1,
    namespace: s.namespace,
    name: s.name,
    ...(traceId ? { traceId } : {}),
  };
}

/**
 * How a finished Job's container ended, and a gang's replicas in every phase: lists and watch
 * events carry no pods, `getJob` reads them.
 */
async function podsView(d: StatusReportDeps, clusterId: string, status: KubeJobStatus) {
  const gang = status.kind !== undefined && status.kind !== 'job';
  const done = status.phase === 'succeeded' || status.phase === 'failed';
  if ((!done || status.result) && (!gang || status.replicas)) return status;
  const full = await d.clusters
    .get(clusterId)
    ?.getJob(status.namespace, status.name, status.kind)
    .catch(() => undefined);
  return { result: status.result ?? full?.result, replicas: status.replicas ?? full?.replicas };
}

/**
 * Reports the Job's phase (or, `status` undefined, that it disappeared) and deletes the Job when
 * the control plane answers that it should not run. `announce`: log the report (the watch's
 * reports are changes; a reconcile's repeat what the cluster shows and are not logged).
 */
export async function reportJobStatus(
  d: StatusReportDeps,
  clusterId: string,
  status: KubeJobStatus | undefined,
  meta: JobMeta,
  announce = true,
): Promise<void> {
  const { result, replicas } = status ? await podsView(d, clusterId, status) : {};
  const phase = status ? status.phase : 'deleted';
  const log = jobLogger(d.log, meta.jobId, meta.traceId);
  const answer = await d.control.report({
    jobId: meta.jobId,
    clusterId,
    attempt: meta.attempt,
    phase,
    ...(status?.reason ? { reason: status.reason } : {}),
    ...(status?.message ? { message: status.message } : {}),
    ...(result && status && status.phase !== 'pending' && status.phase !== 'running'
      ? { result }
      : {}),
    ...(replicas ? { replicas } : {}),
    ...traceparentField(meta.traceId),
    at: iso(d.clock.now()),
  });
  if (announce) log.info('status reported', { cluster: clusterId, name: meta.name, phase });
  if (answer.action === 'delete' && status) {
    log.info('deleting a Kubernetes Job that should not run', {
      cluster: clusterId,
      name: meta.name,
    });
    await d.clusters.get(clusterId)?.deleteJob(meta.namespace, meta.name);
  }
}
