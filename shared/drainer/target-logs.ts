/**
 * Log shipping for targets that are not Kubernetes (issue #17; today Slurm, whose output file the
 * target reads through its optional `readOutput`): the pull drainer's follower (`targets.ts`) ships
 * a started job's new output on every poll and its last output before its end is reported; the
 * push function's reconcile (`reconcile-targets.ts`) does the same from the store's positions, as
 * it keeps no memory. Positions are lines stored per stream: a drainer that has none for a job
 * asks the control plane (`logPositions`), so a restarted drainer sends nothing twice; a chunk's
 * answer moves a position on. Each read is bounded; at most `MAX_ROUNDS` reads per call, the rest
 * waits for the next poll (and a job that ended with more than that much unread output has its
 * tail cut, said in the drainer's log). Never rejects. Edge-safe.
 */
import type { Logger } from '../base/log.js';
import type { ControlPlane } from '../protocol/control-port.js';
import type { Target, TargetJobStatus } from '../targets/port.js';
import { MAX_LINE_CHARS } from '../protocol/logs.js';
import { chunksOf } from './logs.js';
import { errorText } from '../base/errors.js';

/** Reads of one job's output per call (each at most a chunk's bytes: 128 KiB). */
const MAX_ROUNDS = 64;

export interface TargetLogDeps {
  control: ControlPlane;
  log: Logger;
}

export const hasEnded = (s: TargetJobStatus) =>
  s.state === 'succeeded' || s.state === 'failed' || s.state === 'cancelled';

async function positionsOf(d: TargetLogDeps, clusterId: string, s: TargetJobStatus) {
  if (!d.control.logPositions) return {};
  const r = { jobId: s.jobId, clusterId, attempt: s.attempt };
  return { ...(await d.control.logPositions(r)).streams };
}

/**
 * Ships the job's output past `positions` (asked of the control plane when not given; updated in
 * place). Resolves the lines stored; a failure is logged and leaves the rest for the next call.
 */
export async function shipTargetOutput(
  d: TargetLogDeps,
  target: Target,
  status: TargetJobStatus,
  positions?: Record<string, number>,
): Promise<number> {
  const { control } = d;
  if (!target.readOutput || !control.shipLogs || status.state === 'submitted') return 0;
  const ended = hasEnded(status);
  let stored = 0;
  try {
    const pos = positions ?? (await positionsOf(d, target.clusterId, status));
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const outputs = await target.readOutput(status, pos, ended);
      if (outputs.length === 0) return stored;
      for (const out of outputs) {
        let from = out.fromLine;
        const cut = out.lines.map((l) =>
          l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) : l,
        );
        for (const lines of chunksOf(cut)) {
          const answer = await control.shipLogs({
            jobId: status.jobId,
            clusterId: target.clusterId,
            attempt: status.attempt,
            stream: out.stream,
            replica: out.replica,
            fromLine: from,
            lines,
          });
          stored += answer.stored;
          // The store's count wins (a restarted drainer, another invocation); never go back.
          from = Math.max(from + lines.length, answer.nextLine);
        }
        pos[out.stream] = from;
      }
    }
    if (ended) {
      d.log.warn('job output past the per-call read bound was not shipped', {
        jobId: status.jobId,
        cluster: target.clusterId,
      });
    }
  } catch (e) {
    d.log.warn('cannot ship the output of a job; will retry', {
      jobId: status.jobId,
      cluster: target.clusterId,
      error: errorText(e),
    });
  }
  return stored;
}

/** The pull drainer's memory of where each followed job's streams stand. */
export function createTargetOutputShipper(d: TargetLogDeps, target: Target) {
  const positions = new Map<string, Record<string, number>>();
  return {
    /** Ships the job's new output (all of what is left when it ended, then forgets it). */
    async ship(status: TargetJobStatus): Promise<void> {
      if (!target.readOutput) return;
      const key = `${status.jobId}/${status.attempt}`;
      const known = positions.get(key);
      const pos = known ?? (await positionsOf(d, target.clusterId, status).catch(() => ({})));
      await shipTargetOutput(d, target, status, pos);
      if (hasEnded(status)) positions.delete(key);
      else positions.set(key, pos);
    },
    /** Drops what is known of a job the target no longer lists (`<job id>/<attempt>`). */
    forget(key: string): void {
      positions.delete(key);
    },
  };
}
