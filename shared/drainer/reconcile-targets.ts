/**
 * The push function's status path for targets that are not Kubernetes (Slurm): what `/reconcile`
 * and the follow-up check after a create do for them. A target has no watch and no pages: one
 * heartbeat with its capacity, one `list()` of the jobs Switchyard made there (each a request
 * through the target's own budget), and every job reported as the polling follower in the pull
 * drainer would (`reportOf`); the control plane ignores repeats. Like the Kubernetes reconcile, it
 * asks the control plane first which jobs it expects there (submitted or running) and, once the list
 * is complete, looks up each expected job it did not list by its job id (`status`: a job made before
 * deployments had ids is found only that way); one the target no longer has at all — purged from
 * slurmctld's memory after MinJobAge, say — is reported `deleted` (`SlurmJobGone`). A job cancelled
 * on the target (`scancel`) is still listed as cancelled and reported so. Before a started job the
 * control plane still expects is reported, its new output is shipped (`target-logs.ts`). Edge-safe.
 */
import type { ClusterReconcile } from './reconcile-report.js';
import { iso, type Clock } from '../base/clock.js';
import type { Logger } from '../base/log.js';
import type { ControlPlane } from '../protocol/control-port.js';
import type { CreateMessage } from '../protocol/messages.js';
import type { Target } from '../targets/port.js';
import { reportOf } from './targets.js';
import { shipTargetOutput } from './target-logs.js';
import {
  clusterReconcile,
  countedReport,
  expectedBefore,
  heartbeatStep,
} from './reconcile-steps.js';
import { reportVanished, runKey, targetLookup } from './vanished.js';
import { errorText } from '../base/errors.js';

export interface TargetReconcileDeps {
  targets?: ReadonlyMap<string, Target>;
  control: ControlPlane;
  clock: Clock;
  log: Logger;
}

/** Heartbeat and report every job of one target; never rejects. */
export async function reconcileTarget(
  d: TargetReconcileDeps,
  target: Target,
  deadline: number,
): Promise<ClusterReconcile> {
  const id = target.clusterId;
  const r = clusterReconcile(id);
  const expected = await expectedBefore(d, id);
  await heartbeatStep(d, target, r);
  if (Date.now() >= deadline) {
    r.error ??= 'out of time before listing; the next reconcile continues';
    return r;
  }
  try {
    const listed = await target.list();
    r.pages = 1;
    r.jobsSeen = listed.length;
    const at = iso(d.clock.now());
    const wanted = expected && new Set(expected.map((j) => `${j.jobId}/${j.attempt}`));
    for (const status of listed) {
      await countedReport(d, r, status, async () => {
        // A started job still expected: its new output before its phase (maybe its end).
        if (!wanted || wanted.has(`${status.jobId}/${status.attempt}`)) {
          r.logLines = (r.logLines ?? 0) + (await shipTargetOutput(d, target, status));
        }
        await d.control.report(reportOf(id, status, at, target.kind));
        r.reported++;
      });
    }
    r.complete = true;
    if (expected) {
      const seen = new Set(listed.map(runKey));
      await reportVanished(d, targetLookup(d, target), expected, seen, r);
    }
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
  await shipTargetOutput(d, target, status);
  await d.control.report(reportOf(target.clusterId, status, iso(d.clock.now()), target.kind));
  return true;
}
