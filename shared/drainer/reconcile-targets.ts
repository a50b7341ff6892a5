/**
 * The push function's status path for targets that are not Kubernetes (Slurm): what `/reconcile`
 * and the follow-up check after a create do for them. A target has no watch and no pages: one
 * heartbeat with its capacity, one `list()` of the jobs Switchyard made there (each a request
 * through the target's own budget), and every job reported as the polling follower in the pull
 * drainer would (`reportOf`); the control plane ignores repeats. Edge-safe.
 */
import type { ClusterReconcile } from './reconcile-report.js';
import { iso, type Clock } from '../base/clock.js';
import type { Logger } from '../base/log.js';
import { jobLogger } from '../base/job-log.js';
import type { ControlPlane } from '../protocol/control-port.js';
import type { CreateMessage } from '../protocol/messages.js';
import type { Target } from '../targets/port.js';
import { reportOf } from './targets.js';

export interface TargetReconcileDeps {
  targets?: ReadonlyMap<string, Target>;
  control: ControlPlane;
  clock: Clock;
  log: Logger;
}

/** One target's part of the `/reconcile` answer (the same shape as a Kubernetes cluster's). */

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Heartbeat and report every job of one target; never rejects. */
export async function reconcileTarget(
  d: TargetReconcileDeps,
  target: Target,
  deadline: number,
): Promise<ClusterReconcile> {
  const id = target.clusterId;
  const r: ClusterReconcile = {
    clusterId: id,
    complete: false,
    jobsSeen: 0,
    reported: 0,
    reportsFailed: 0,
    pages: 0,
    heartbeat: false,
    vanished: 0, // the push reconcile does not yet notice a vanished Slurm job (the pull drainer does)
  };
  try {
    await d.control.heartbeat(id, await target.capacity());
    r.heartbeat = true;
  } catch (e) {
    r.error = `heartbeat: ${errorText(e)}`;
  }
  if (Date.now() >= deadline) {
    r.error ??= 'out of time before listing; the next reconcile continues';
    return r;
  }
  try {
    const listed = await target.list();
    r.pages = 1;
    r.jobsSeen = listed.length;
    const at = iso(d.clock.now());
    for (const status of listed) {
      try {
        await d.control.report(reportOf(id, status, at, target.kind));
        r.reported++;
      } catch (e) {
        r.reportsFailed++;
        jobLogger(d.log, status.jobId, status.traceId).warn('reconcile: status report failed', {
          cluster: id,
          error: errorText(e),
        });
      }
    }
    r.complete = true;
  } catch (e) {
    r.error = `listing jobs: ${errorText(e)}`;
    d.log.warn('reconcile: cannot list jobs', { cluster: id, error: errorText(e) });
  }
  return r;
}

/** Every target of the function, side by side. */
export function reconcileTargets(
  d: TargetReconcileDeps,
  deadline: number,
): Promise<ClusterReconcile[]> {
  return Promise.all([...(d.targets?.values() ?? [])].map((t) => reconcileTarget(d, t, deadline)));
}

/**
 * The follow-up read after a create on a target: reported when the job already left `submitted`.
 * `undefined` when the message's cluster is not one of the targets.
 */
export async function checkCreatedOnTarget(
  d: TargetReconcileDeps,
  msg: CreateMessage,
): Promise<boolean | undefined> {
  const target = d.targets?.get(msg.placement.clusterId);
  if (!target) return undefined;
  const status = await target.status({ jobId: msg.jobId, name: msg.placement.kubeName });
  if (!status || status.state === 'submitted') return false;
  await d.control.report(reportOf(target.clusterId, status, iso(d.clock.now()), target.kind));
  return true;
}
