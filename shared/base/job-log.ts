/**
 * A logger scoped to one job: every line it writes carries the job's id and, when it has one, its
 * W3C trace id (`traceId`), so `grep <trace id>` on the combined output of the control plane and
 * the drainers follows that job from submit to its last status webhook. Services take one with
 * `jobLogger(ctx.log, job.id, job.traceId)` (a drainer with the create message's or the
 * workload's trace id) instead of adding the fields line by line.
 */
import type { Logger } from './log.js';

/** `log` with `fields` added to every line (a line's own fields of the same name are replaced). */
export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  const merge = (own?: Record<string, unknown>) => ({ ...own, ...fields });
  return {
    info: (msg, own) => log.info(msg, merge(own)),
    warn: (msg, own) => log.warn(msg, merge(own)),
    error: (msg, own) => log.error(msg, merge(own)),
  };
}

/** The logger for lines about job `jobId` of trace `traceId` (absent on jobs from before traces). */
export function jobLogger(log: Logger, jobId: string, traceId?: string): Logger {
  return withFields(log, traceId ? { jobId, traceId } : { jobId });
}
