/**
 * A job's output as its owner may read it (`GET /v1/jobs/:id/logs`): from the log table the
 * drainers ship into, never from the clusters, so it works where drainers sit behind a firewall.
 * The same tenant-and-project rule as the job (another's job is "not found"). `tail`, `since` and
 * `replica` select lines; `follow` streams new lines as they are shipped and ends once the job has
 * ended and its last output is in. Edge-safe: Web streams only.
 */
import { AppError } from '../base/errors.js';
import { iso } from '../base/clock.js';
import type { CoreContext } from '../context/core-context.js';
import { isTerminal } from '../domain/job.js';
import type { Principal } from '../domain/principal.js';
import type { LogChunk } from '../store/log-port.js';
import type { JobService } from './service.js';

export interface LogQuery {
  tail?: number;
  /** Epoch ms: lines printed at or after it. */
  since?: number;
  replica?: number;
  follow: boolean;
  timestamps: boolean;
}

/** How often a follow stream looks for newly shipped lines. */
export const FOLLOW_POLL_MS = 500;

const bad = (name: string, message: string) =>
  new AppError('BAD_REQUEST', `query parameter ${name} ${message}`, {
    details: { fields: [{ path: name, message }] },
  });

function integer(raw: string | undefined, name: string, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > max) {
    throw bad(
      name,
      `must be a whole number from 0 to ${max} (got ${JSON.stringify(raw.slice(0, 40))})`,
    );
  }
  return Number(raw);
}

function flag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw bad(name, `must be true or false (got ${JSON.stringify(raw.slice(0, 40))})`);
}

/** Reads the query, or throws 400 BAD_REQUEST naming the parameter and what it accepts. */
export function parseLogQuery(q: Record<string, string | undefined>, now: number): LogQuery {
  const known = ['tail', 'since', 'replica', 'follow', 'timestamps'];
  const unknown = Object.keys(q).find((k) => !known.includes(k));
  if (unknown) throw bad(unknown, `is not known; use ${known.join(', ')}`);
  let since: number | undefined;
  if (q.since !== undefined) {
    const seconds = /^\d{1,10}$/.test(q.since) ? Number(q.since) : undefined;
    const at = /^\d{4}-\d\d-\d\dT/.test(q.since) ? Date.parse(q.since) : NaN;
    if (seconds === undefined && !Number.isFinite(at)) {
      throw bad(
        'since',
        'must be an RFC 3339 time (2026-01-02T15:04:05Z) or a number of seconds ago',
      );
    }
    since = seconds !== undefined ? now - seconds * 1000 : at;
  }
  const tail = integer(q.tail, 'tail', 1_000_000);
  const replica = integer(q.replica, 'replica', 100_000);
  return {
    ...(tail !== undefined && { tail }),
    ...(since !== undefined && { since }),
    ...(replica !== undefined && { replica }),
    follow: flag(q.follow, 'follow'),
    timestamps: flag(q.timestamps, 'timestamps'),
  };
}

interface Line {
  at: number;
  ts: string;
  text: string;
  replica: number;
}

function linesOf(chunks: LogChunk[], q: LogQuery): Line[] {
  const out: Line[] = [];
  for (const c of chunks) {
    if (q.replica !== undefined && c.replica !== q.replica) continue;
    for (const raw of c.lines) {
      const space = raw.indexOf(' ');
      const ts = raw.slice(0, space);
      const at = Date.parse(ts);
      if (q.since !== undefined && !(at >= q.since)) continue;
      out.push({ at, ts, text: raw.slice(space + 1), replica: c.replica });
    }
  }
  return out;
}

function render(lines: Line[], q: LogQuery, prefix: boolean): string {
  return lines
    .map(
      (l) =>
        `${prefix ? `[replica ${l.replica}] ` : ''}${q.timestamps ? `${l.ts} ` : ''}${l.text}\n`,
    )
    .join('');
}

export interface JobLogs {
  /** The text, or a stream of it with `follow`. */
  body: string | ReadableStream<Uint8Array>;
  truncated: boolean;
}

export async function jobLogs(
  ctx: CoreContext,
  jobs: JobService,
  caller: Principal,
  jobId: string,
  q: LogQuery,
): Promise<JobLogs> {
  const job = await jobs.get(caller, jobId);
  const now = () => iso(ctx.clock.now());
  const read = await ctx.store.logs.read(job.id, now());
  let lines = linesOf(read.chunks, q);
  const replicas = new Set(read.chunks.map((c) => c.replica));
  const prefix = q.replica === undefined && replicas.size > 1;
  const available = lines.length;
  if (q.tail !== undefined) lines = q.tail === 0 ? [] : lines.slice(-q.tail);
  const note =
    read.truncated && (q.tail === undefined || q.tail > available)
      ? `[switchyard] earlier output was dropped: a job keeps its last ${ctx.settings.logCapBytes ?? 2 * 1024 * 1024} bytes (${read.droppedBytes} bytes dropped)\n`
      : '';
  const first = note + render(lines, q, prefix);
  if (!q.follow) return { body: first, truncated: read.truncated };
  let lastSeq = read.chunks.at(-1)?.seq ?? 0;
  let ended = isTerminal(job.state);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first) controller.enqueue(encoder.encode(first));
      const poll = async () => {
        try {
          // Read the state first: output shipped before the end is then in the read after it.
          const wasEnded = ended;
          ended = ended || isTerminal((await ctx.store.jobs.get(job.id))?.state ?? 'failed');
          const next = await ctx.store.logs.read(job.id, now(), lastSeq);
          lastSeq = next.chunks.at(-1)?.seq ?? lastSeq;
          const text = render(linesOf(next.chunks, q), q, prefix);
          if (text) controller.enqueue(encoder.encode(text));
          if (wasEnded || (ended && next.chunks.length === 0)) return controller.close();
          timer = setTimeout(() => void poll(), ended ? 0 : FOLLOW_POLL_MS);
        } catch (e) {
          controller.error(e);
        }
      };
      if (ended) void poll();
      else timer = setTimeout(() => void poll(), FOLLOW_POLL_MS);
    },
    cancel() {
      if (timer) clearTimeout(timer);
    },
  });
  return { body, truncated: read.truncated };
}
