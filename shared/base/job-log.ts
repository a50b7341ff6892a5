/**
 * A logger scoped to one job: every line it writes carries the job's id and, when it has one, its
 * W3C trace id (`traceId`), so `grep <trace id>` on the combined output of the control plane and
 * the drainers follows that job from submit to its last status webhook. Services take one with
 * `jobLogger(ctx.log, job.id, job.traceId)` (a drainer with the create message's or the
 * workload's trace id) instead of adding the fields line by line.
 */
import type { Logger } from './log.js';

/**
 * `log` with `fields` added to every line (a line's own fields of the same name are replaced).
 * A class rather than closures: a submission makes two of these, and a closure per level each
 * time was measurable on the submit path; `Object.assign` rather than `{ ...own, ...fields }`,
 * which V8 (Node 20) runs on a slow path once the second spread adds keys.
 */
class FieldLogger implements Logger {
  constructor(
    private readonly log: Logger,
    private readonly fields: Record<string, unknown>,
  ) {}
  info(msg: string, own?: Record<string, unknown>): void {
    this.log.info(msg, Object.assign({}, own, this.fields));
  }
  warn(msg: string, own?: Record<string, unknown>): void {
    this.log.warn(msg, Object.assign({}, own, this.fields));
  }
  error(msg: string, own?: Record<string, unknown>): void {
    this.log.error(msg, Object.assign({}, own, this.fields));
  }
}

export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  return new FieldLogger(log, fields);
}

/** The logger for lines about job `jobId` of trace `traceId` (absent on jobs from before traces). */
export function jobLogger(log: Logger, jobId: string, traceId?: string): Logger {
  return withFields(log, traceId ? { jobId, traceId } : { jobId });
}
