/**
 * The drainer's side of a non-Kubernetes target (targets/port.ts; today Slurm): create-or-adopt
 * after the claim, cancel, and following the jobs it made. Slurm has no watch, so `followTarget`
 * lists the target's own jobs at a bounded rate (one list per `intervalMs`, through the target's
 * own request budget) and reports each change the way the Kubernetes watcher does. Target states
 * map onto the report phases: submitted → pending, waiting (requeued, preempted) → requeued (the
 * control plane moves a running job back to submitted with the reason), cancelled → cancelled, and
 * a job that vanished while unfinished → deleted. Every report names the target's kind and its own
 * job id (the Slurm job id), shown as the job's `placement.targetJobId`. A started job's new output
 * is shipped on every poll, and its last output before its end is reported (`target-logs.ts`).
 * The follower starts with no memory, so with `vanished` (vanished.ts) its first list, and one list
 * a minute after, is bracketed by asking which jobs the control plane expects and reporting those
 * the list lacked (purged from slurmctld while the drainer was down: `deleted`).
 */
import { iso, type Clock } from '../base/clock.js';
import type { Logger } from '../base/log.js';
import { jobLogger } from '../base/job-log.js';
import { traceparentField } from '../metrics/trace.js';
import type { ControlPlane, StatusReport } from '../protocol/control-port.js';
import type { CancelMessage, CreateMessage } from '../protocol/messages.js';
import type { Target, TargetJobStatus, TargetKind } from '../targets/port.js';
import { createTargetOutputShipper, hasEnded } from './target-logs.js';
import type { VanishedCheck } from './vanished.js';

export interface TargetDeps {
  control: ControlPlane;
  clock: Clock;
  log: Logger;
}

/** Creates (or adopts) the job on the target and reports it pending; errors go to the caller. */
export async function createOnTarget(
  d: TargetDeps,
  target: Target,
  msg: CreateMessage,
): Promise<void> {
  const outcome = await target.create(msg);
  const log = jobLogger(d.log, msg.jobId, msg.traceId);
  log.info(outcome === 'created' ? 'job submitted' : 'job already submitted; adopted', {
    cluster: target.clusterId,
    kind: target.kind,
  });
  const { placement } = msg;
  const answer = await d.control.report({
    jobId: msg.jobId,
    clusterId: placement.clusterId,
    attempt: placement.attempt,
    phase: 'pending',
    targetKind: target.kind,
    ...traceparentField(msg.traceId),
    at: iso(d.clock.now()),
  });
  if (answer.action === 'delete') await target.cancel(refOfCreate(msg));
}

const refOfCreate = (msg: CreateMessage) => ({
  jobId: msg.jobId,
  name: msg.placement.kubeName,
  namespace: msg.placement.namespace,
});

export async function cancelOnTarget(
  d: TargetDeps,
  target: Target,
  msg: CancelMessage,
): Promise<void> {
  await target.cancel({ jobId: msg.jobId, name: msg.kubeName, namespace: msg.namespace });
  jobLogger(d.log, msg.jobId, msg.traceId).info('job cancelled on its target', {
    cluster: msg.clusterId,
  });
  await d.control.report({
    jobId: msg.jobId,
    clusterId: msg.clusterId,
    attempt: msg.attempt,
    phase: 'cancelled',
    targetKind: target.kind,
    ...traceparentField(msg.traceId),
    at: iso(d.clock.now()),
  });
}

const PHASE_OF: Record<TargetJobStatus['state'], StatusReport['phase']> = {
  submitted: 'pending',
  waiting: 'requeued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The report for a target status. */
export function reportOf(
  clusterId: string,
  s: TargetJobStatus,
  at: string,
  kind: TargetKind = 'slurm',
): StatusReport {
  const phase = PHASE_OF[s.state];
  const report: StatusReport = {
    jobId: s.jobId,
    clusterId,
    attempt: s.attempt,
    phase,
    targetKind: kind,
    targetJobId: s.externalId,
    ...traceparentField(s.traceId),
    at,
  };
  if (s.reason) report.reason = s.reason;
  if (s.message) report.message = s.message;
  if (phase === 'succeeded' || phase === 'failed') {
    report.result = {
      ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
      reason: s.reason ?? (phase === 'succeeded' ? 'Completed' : 'Error'),
    };
  }
  return report;
}

/** Starts following; returns a function that stops it. */
export function followTarget(
  d: TargetDeps & {
    target: Target;
    intervalMs?: number;
    /** Reports expected jobs a list lacked: on the first list, then every `vanishedEveryMs`. */
    vanished?: VanishedCheck;
    vanishedEveryMs?: number;
  },
): () => void {
  const { target } = d;
  const intervalMs = d.intervalMs ?? 2_000;
  const vanishedEveryMs = d.vanishedEveryMs ?? 60_000;
  let lastVanishedCheck = -Infinity;
  const seen = new Map<string, { phase: string; status: TargetJobStatus }>();
  const output = createTargetOutputShipper(d, target);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function send(report: StatusReport, status: TargetJobStatus): Promise<void> {
    const answer = await d.control.report(report);
    if (answer.action === 'delete' && report.phase !== 'deleted' && report.phase !== 'cancelled') {
      jobLogger(d.log, status.jobId, status.traceId).info('cancelling a job that should not run', {
        cluster: target.clusterId,
      });
      await target.cancel({ jobId: status.jobId, name: status.name });
    }
  }

  async function pass(): Promise<void> {
    const now = iso(d.clock.now());
    const checking = d.vanished && Date.now() - lastVanishedCheck >= vanishedEveryMs;
    const expected = checking ? await d.vanished?.expected() : undefined;
    const listed = await target.list();
    const present = new Set(listed.map((s) => `${s.jobId}/${s.attempt}`));
    // Every job this list accounts for: listed, or reported gone from the memory just below.
    const accounted = new Set([...present, ...seen.keys()]);
    for (const [key, { phase, status }] of seen) {
      if (present.has(key)) continue;
      seen.delete(key);
      output.forget(key);
      if (phase === 'pending' || phase === 'running' || phase === 'requeued') {
        await send(
          {
            jobId: status.jobId,
            clusterId: target.clusterId,
            attempt: status.attempt,
            phase: 'deleted',
            targetKind: target.kind,
            targetJobId: status.externalId,
            ...traceparentField(status.traceId),
            at: now,
          },
          status,
        );
      }
    }
    for (const status of listed) {
      const key = `${status.jobId}/${status.attempt}`;
      const report = reportOf(target.clusterId, status, now, target.kind);
      const unchanged = seen.get(key)?.phase === report.phase;
      if (unchanged && hasEnded(status)) continue;
      // Its output (target-logs.ts) goes before its phase, so an end comes after its last lines.
      await output.ship(status);
      if (unchanged) continue;
      const log = jobLogger(d.log, status.jobId, status.traceId);
      if (status.state === 'waiting') {
        log.info('job is waiting again on its target', { reason: status.reason });
      }
      try {
        await send(report, status);
        seen.set(key, { phase: report.phase, status });
        log.info('status reported', { cluster: target.clusterId, phase: report.phase });
      } catch (e) {
        log.warn('status report failed', { cluster: target.clusterId, error: String(e) });
      }
    }
    if (expected) {
      await d.vanished?.report(expected, accounted);
      lastVanishedCheck = Date.now();
    }
  }

  const tick = async () => {
    if (stopped) return;
    try {
      await pass();
    } catch (e) {
      d.log.warn('cannot list jobs on target; will retry', {
        cluster: target.clusterId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
