/**
 * The step that notices a workload deleted or purged while nobody was looking, written once for
 * the push function's `POST /reconcile` (reconcile.ts, reconcile-targets.ts) and the pull drainer
 * after each complete list (its watch's initial list and relists, its Slurm follower's first list
 * and resyncs): a drainer keeps no memory across a restart, so it asks the control plane which
 * jobs it expects on the cluster (submitted or running) BEFORE listing, lists completely, and for
 * each expected job the list lacked looks the workload up by its job id (one made before
 * deployments had ids is found only that way) — reported as it stands if found, else as `deleted`
 * (the control plane then fails or retries it by the job's rules). Expected was asked before the
 * list, so a job submitted since is not among them. Edge-safe.
 */
import { iso, type Clock } from '../base/clock.js';
import { jobLogger } from '../base/job-log.js';
import { traceparentField } from '../metrics/trace.js';
import type { ExpectedJob } from '../protocol/control-port.js';
import { LABEL_JOB_ID, MANAGED_SELECTOR } from '../targets/kubernetes/labels.js';
import type { ClusterDriver } from '../targets/kubernetes/port.js';
import type { Target, TargetKind } from '../targets/port.js';
import type { ClusterReconcile } from './reconcile-report.js';
import {
  clusterReconcile,
  countedReport,
  expectedBefore,
  type ReconcileStepDeps,
} from './reconcile-steps.js';
import { jobMetaOf, reportJobStatus, type StatusReportDeps } from './report-status.js';
import { reportOf } from './targets.js';

/** How one cluster's expected-but-unlisted jobs are looked up and named. */
export interface VanishedLookup {
  clusterId: string;
  /** Set on reports for non-Kubernetes targets (Slurm). */
  targetKind?: TargetKind;
  /** What the workload is called in the warning ("Kubernetes Job", "job on its target"). */
  what: string;
  /** Looks the job up by its id alone and reports it as it stands; false when there is none. */
  reportFound(job: ExpectedJob): Promise<boolean>;
}

/** `jobId/attempt`, the key expected jobs and listed workloads are compared by. */
export const runKey = (j: { jobId: string; attempt: number }) => `${j.jobId}/${j.attempt}`;

/**
 * Reports each job of `expected` whose key is not in `listed`: as it stands if the lookup finds
 * it, else as `deleted`. Counts into `r`; a failed report is counted and logged, never thrown.
 */
export async function reportVanished(
  d: ReconcileStepDeps & { clock: Clock },
  lookup: VanishedLookup,
  expected: readonly ExpectedJob[],
  listed: ReadonlySet<string>,
  r: ClusterReconcile,
): Promise<void> {
  const id = lookup.clusterId;
  for (const job of expected) {
    if (listed.has(runKey(job))) continue;
    await countedReport(d, r, job, async () => {
      if (await lookup.reportFound(job)) {
        r.reported++;
        return;
      }
      await d.control.report({
        jobId: job.jobId,
        clusterId: id,
        attempt: job.attempt,
        phase: 'deleted',
        ...(lookup.targetKind ? { targetKind: lookup.targetKind } : {}),
        ...traceparentField(job.traceId),
        at: iso(d.clock.now()),
      });
      r.vanished++;
      jobLogger(d.log, job.jobId, job.traceId).warn(
        `an expected ${lookup.what} is gone; reported deleted`,
        { cluster: id, name: `${job.namespace}/${job.kubeName}` },
      );
    });
  }
}

/** A Kubernetes cluster's lookup: by the job id label alone (any kind, any deployment). */
export function kubeLookup(
  d: StatusReportDeps,
  id: string,
  cluster: ClusterDriver,
): VanishedLookup {
  return {
    clusterId: id,
    what: 'Kubernetes Job',
    async reportFound(job) {
      const sel = `${MANAGED_SELECTOR},${LABEL_JOB_ID}=${job.jobId}`;
      for (const status of (await cluster.listJobs(sel)).items) {
        const meta = jobMetaOf(status);
        if (meta?.jobId !== job.jobId || meta.attempt !== job.attempt) continue;
        await reportJobStatus(d, id, status, meta);
        return true;
      }
      return false;
    },
  };
}

/** A target's (Slurm's) lookup: its `status` by job id and name. */
export function targetLookup(d: ReconcileStepDeps & { clock: Clock }, target: Target) {
  const lookup: VanishedLookup = {
    clusterId: target.clusterId,
    targetKind: target.kind,
    what: 'job on its target',
    async reportFound(job) {
      const status = await target.status({ jobId: job.jobId, name: job.kubeName });
      if (!status || status.attempt !== job.attempt) return false;
      await d.control.report(reportOf(target.clusterId, status, iso(d.clock.now()), target.kind));
      return true;
    },
  };
  return lookup;
}

/** What a pull drainer's follower runs around each complete list (the watch's, the poller's). */
export interface VanishedCheck {
  /** Asked before the list; undefined when the control plane cannot say. */
  expected(): Promise<ExpectedJob[] | undefined>;
  /** After the complete list: `listed` holds the key of every workload it had (or just lost). */
  report(expected: readonly ExpectedJob[], listed: ReadonlySet<string>): Promise<void>;
}

/** The check for one cluster of a pull drainer; never rejects. */
export function vanishedCheck(
  d: ReconcileStepDeps & { clock: Clock },
  lookup: VanishedLookup,
): VanishedCheck {
  return {
    expected: () => expectedBefore(d, lookup.clusterId),
    async report(expected, listed) {
      const r = clusterReconcile(lookup.clusterId);
      await reportVanished(d, lookup, expected, listed, r);
      if (r.vanished > 0 || r.reported > 0 || r.reportsFailed > 0)
        d.log.info('after a complete list: expected jobs it lacked were reported', {
          cluster: lookup.clusterId,
          vanished: r.vanished,
          found: r.reported,
          failed: r.reportsFailed,
        });
    },
  };
}
