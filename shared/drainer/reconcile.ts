/**
 * Status without a long-lived watch (issue #15): what the push function's `POST /reconcile` and
 * its follow-up check after a create do. A reconcile lists, page by page, every Job this
 * deployment made on each of the function's clusters (`managedSelector`: never another
 * deployment's), reports each one's current phase through the same report protocol as the pull
 * drainer's watches (the control plane ignores repeats), and sends a capacity heartbeat per
 * cluster. It keeps no memory between runs; instead it asks the control plane which jobs it
 * expects on the cluster (submitted or running) before listing, looks each one the complete list
 * did not contain up by its job id (a Job made before deployments had ids is found that way), and
 * reports it as `deleted` only when that finds nothing too (the pull drainer's watch reports a
 * vanished Job the same way; the control plane fails the job with `KubernetesJobDeleted`).
 * Before a started Job the control plane still expects is reported, its pods' new output is shipped
 * (`push-logs.ts`), so a job's last lines are stored before its end is.
 * Clusters are reconciled side by side; one that cannot be reached is named in the answer and does
 * not stop the others. Edge-safe.
 */
import type { ClusterReconcile } from './reconcile-report.js';
import type { CreateMessage } from '../protocol/messages.js';
import { managedSelector } from '../targets/kubernetes/labels.js';
import type { ClusterDriver } from '../targets/kubernetes/port.js';
import { jobMetaOf, reportJobStatus, type StatusReportDeps } from './report-status.js';
import type { Target } from '../targets/port.js';
import { checkCreatedOnTarget, reconcileTargets } from './reconcile-targets.js';
import { shipJobLogs } from './push-logs.js';
import { kubeLookup, reportVanished } from './vanished.js';
import {
  clusterReconcile,
  countedReport,
  expectedBefore,
  heartbeatStep,
} from './reconcile-steps.js';
import { errorText } from '../base/errors.js';

export interface ReconcileOptions {
  /** Jobs per list request (Kubernetes `limit`). */
  pageSize?: number;
  /** Reports in flight at once per cluster. */
  concurrency?: number;
  /** Epoch ms after which no further page is read (the answer then says `complete: false`). */
  deadline: number;
}

export type { ClusterReconcile } from './reconcile-report.js';

export interface ReconcileResult {
  jobsSeen: number;
  reported: number;
  vanished: number;
  clustersHeartbeated: number;
  /** Lines of output shipped (and stored) by this reconcile. */
  logLines: number;
  complete: boolean;
  clusters: ClusterReconcile[];
}

/** Runs `fn` over `items` with at most `limit` in flight; never rejects. */
async function eachLimited<T>(items: T[], limit: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function reconcileCluster(
  d: StatusReportDeps,
  id: string,
  cluster: ClusterDriver,
  o: ReconcileOptions,
): Promise<ClusterReconcile> {
  const r = clusterReconcile(id);
  // 1. Capacity first: it is what placement needs most, and it says early if the cluster is down.
  await heartbeatStep(d, cluster, r);
  // 2. Every managed Job, page by page, each reported as it is now.
  const expected = await expectedBefore(d, id);
  const seen = new Set<string>();
  const wanted = expected && new Set(expected.map((j) => `${j.jobId}/${j.attempt}`));
  let token: string | undefined;
  try {
    do {
      if (Date.now() >= o.deadline) {
        r.error = 'out of time before the last page; the next reconcile continues';
        return r;
      }
      const page = await cluster.listJobs(managedSelector(cluster.deployment), {
        limit: o.pageSize ?? 200,
        ...(token ? { continue: token } : {}),
      });
      r.pages++;
      r.jobsSeen += page.items.length;
      await eachLimited(page.items, o.concurrency ?? 8, async (status) => {
        const meta = jobMetaOf(status);
        if (!meta) return;
        const key = `${meta.jobId}/${meta.attempt}`;
        seen.add(key);
        await countedReport(d, r, meta, async () => {
          // A started Job still expected: ship its new output before its phase (maybe its end).
          if (status.phase !== 'pending' && (!wanted || wanted.has(key))) {
            r.logLines = (r.logLines ?? 0) + (await shipJobLogs(d, id, cluster, meta)).lines;
          }
          await reportJobStatus(d, id, status, meta, false);
          r.reported++;
        });
      });
      token = page.continue;
    } while (token);
    r.complete = true;
    // 3. Only after a complete list: a job missing from it is really gone.
    if (expected) await reportVanished(d, kubeLookup(d, id, cluster), expected, seen, r);
  } catch (e) {
    r.error = `listing Jobs: ${errorText(e)}`;
    d.log.warn('reconcile: cannot list Jobs', { cluster: id, error: errorText(e) });
  }
  return r;
}

/** Reconciles every cluster of the function (and its Slurm targets), side by side. Never rejects. */
export async function reconcileClusters(
  d: StatusReportDeps & { targets?: ReadonlyMap<string, Target> },
  o: ReconcileOptions,
): Promise<ReconcileResult> {
  const [kube, others] = await Promise.all([
    Promise.all([...d.clusters].map(([id, cluster]) => reconcileCluster(d, id, cluster, o))),
    reconcileTargets(d, o.deadline),
  ]);
  const clusters = [...kube, ...others];
  const sum = (f: (c: ClusterReconcile) => number) => clusters.reduce((n, c) => n + f(c), 0);
  return {
    jobsSeen: sum((c) => c.jobsSeen),
    reported: sum((c) => c.reported),
    vanished: sum((c) => c.vanished),
    clustersHeartbeated: sum((c) => (c.heartbeat ? 1 : 0)),
    logLines: sum((c) => c.logLines ?? 0),
    complete: clusters.every((c) => c.complete),
    clusters,
  };
}

/**
 * The follow-up check after a create: reads the new Job once and, when it has already left
 * `pending` (the create itself reported `pending`), ships its output so far and reports it.
 * Resolves whether a report was sent.
 */
export async function checkCreatedJob(
  d: StatusReportDeps & { targets?: ReadonlyMap<string, Target> },
  msg: CreateMessage,
): Promise<boolean> {
  const onTarget = await checkCreatedOnTarget(d, msg);
  if (onTarget !== undefined) return onTarget;
  const { clusterId, namespace, kubeName } = msg.placement;
  const status = await d.clusters.get(clusterId)?.getJob(namespace, kubeName, msg.spec.kind);
  const meta = status && jobMetaOf(status);
  if (!status || !meta || status.phase === 'pending') return false;
  // Output goes before an end, but after `running`: the report is what the check is for.
  const ended = status.phase === 'succeeded' || status.phase === 'failed';
  const ship = () => shipJobLogs(d, clusterId, d.clusters.get(clusterId)!, meta);
  if (ended) await ship();
  await reportJobStatus(d, clusterId, status, meta);
  if (!ended) await ship();
  return true;
}
