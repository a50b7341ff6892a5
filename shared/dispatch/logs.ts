/**
 * The control plane's side of log shipping: a drainer's chunk of a job's output goes into the log
 * table when the job is (or was last) placed on the drainer's cluster with that attempt; a chunk
 * for a job that moved on is answered without storing anything. `logPositions` tells a drainer
 * without memory where each of the job's streams stands. The cap and the retention come
 * from the settings (`logs.capBytes`, `logs.retentionHours`).
 */
import { iso } from '../base/clock.js';
import type { CoreContext } from '../context/core-context.js';
import { WITHOUT_DECISION } from '../store/port.js';
import type {
  LogPositions,
  LogPositionsRequest,
  LogShipAnswer,
  LogShipment,
} from '../protocol/logs.js';

export const DEFAULT_LOG_CAP_BYTES = 2 * 1024 * 1024;
export const DEFAULT_LOG_RETENTION_SECONDS = 7 * 24 * 3600;

export function logLimits(ctx: CoreContext) {
  const now = ctx.clock.now();
  const retention = ctx.settings.logRetentionSeconds ?? DEFAULT_LOG_RETENTION_SECONDS;
  return {
    capBytes: ctx.settings.logCapBytes ?? DEFAULT_LOG_CAP_BYTES,
    expiresAt: iso(now + retention * 1000),
  };
}

export async function shipLogs(ctx: CoreContext, chunk: LogShipment): Promise<LogShipAnswer> {
  const job = await ctx.store.jobs.get(chunk.jobId, WITHOUT_DECISION);
  const p = job?.placement;
  if (!job || p?.clusterId !== chunk.clusterId || p.attempt !== chunk.attempt) {
    return { stored: 0, nextLine: chunk.fromLine + chunk.lines.length };
  }
  const { jobId, stream, replica, fromLine, lines } = chunk;
  return ctx.store.logs.append(
    { jobId, stream, replica, fromLine, lines },
    logLimits(ctx),
    iso(ctx.clock.now()),
  );
}

export async function logPositions(
  ctx: CoreContext,
  r: LogPositionsRequest,
): Promise<LogPositions> {
  const p = (await ctx.store.jobs.get(r.jobId, WITHOUT_DECISION))?.placement;
  if (p?.clusterId !== r.clusterId || p.attempt !== r.attempt) return { streams: {} };
  return { streams: await ctx.store.logs.positions(r.jobId, iso(ctx.clock.now())) };
}
