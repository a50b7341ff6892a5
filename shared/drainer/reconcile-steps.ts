/**
 * The steps a reconcile takes the same way on a Kubernetes cluster (reconcile.ts) and on a Slurm
 * target (reconcile-targets.ts): a fresh per-cluster answer, the capacity heartbeat, asking the
 * control plane which jobs it expects, and one status report whose failure is counted and logged
 * rather than thrown. Written once so both kinds answer `POST /reconcile` alike. Edge-safe.
 */
import { jobLogger } from '../base/job-log.js';
import type { Logger } from '../base/log.js';
import type { CapacityReport } from '../domain/cluster.js';
import type { ControlPlane, ExpectedJob } from '../protocol/control-port.js';
import type { ClusterReconcile } from './reconcile-report.js';
import { errorText } from '../base/errors.js';

export interface ReconcileStepDeps {
  control: ControlPlane;
  log: Logger;
}

/** One cluster's answer before anything was done on it. */
export function clusterReconcile(clusterId: string): ClusterReconcile {
  return {
    clusterId,
    complete: false,
    jobsSeen: 0,
    reported: 0,
    reportsFailed: 0,
    pages: 0,
    heartbeat: false,
    vanished: 0,
  };
}

/** Sends the cluster's capacity; a failure is the answer's `error`, never thrown. */
export async function heartbeatStep(
  d: ReconcileStepDeps,
  source: { capacity(): Promise<CapacityReport> },
  r: ClusterReconcile,
): Promise<void> {
  try {
    await d.control.heartbeat(r.clusterId, await source.capacity());
    r.heartbeat = true;
  } catch (e) {
    r.error = `heartbeat: ${errorText(e)}`;
  }
}

/** What the control plane expects on the cluster, asked before listing; undefined if unknown. */
export async function expectedBefore(
  d: ReconcileStepDeps,
  id: string,
): Promise<ExpectedJob[] | undefined> {
  try {
    return await d.control.expected?.(id);
  } catch (e) {
    d.log.warn('reconcile: cannot ask which jobs are expected', {
      cluster: id,
      error: errorText(e),
    });
    return undefined;
  }
}

/** Runs one job's report; a failure is counted in `reportsFailed` and logged, never thrown. */
export async function countedReport(
  d: ReconcileStepDeps,
  r: ClusterReconcile,
  job: { jobId: string; traceId?: string | undefined },
  send: () => Promise<void>,
): Promise<void> {
  try {
    await send();
  } catch (e) {
    r.reportsFailed++;
    jobLogger(d.log, job.jobId, job.traceId).warn('reconcile: status report failed', {
      cluster: r.clusterId,
      error: errorText(e),
    });
  }
}
