/**
 * HTTP to slurmrestd with `fetch` (edge-safe, no SDK): JWT headers, a per-target token bucket
 * (the same limiter the Kubernetes driver uses), a timeout, and failures classified as ClusterError:
 * no answer → unreachable, 429 → throttled, 401/403 → forbidden, 400/404 → invalid, other 5xx →
 * server (all three retryable). Slurm's own quirks: a 500 whose errors say 2017 ("Invalid job id")
 * means the job is unknown, not that the server failed; an `errors` list on a 2xx (e.g. 2042 for a
 * held job) does not make the call fail.
 */
import { ClusterError } from '../kubernetes/port.js';
import { createRateLimiter, type RateLimiterOptions } from '../kubernetes/rate-limit.js';

export const SLURM_UNKNOWN_JOB = 2017;

export interface SlurmClientOptions {
  clusterId: string;
  url: string;
  user: string;
  /** The JWT, or a function that reads it (a token file may be replaced while running). */
  token: string | (() => Promise<string>);
  timeoutMs?: number;
  limiter?: RateLimiterOptions;
  fetch?: typeof fetch;
}

export interface SlurmAnswer {
  status: number;
  body: Record<string, unknown>;
}

interface SlurmErrorEntry {
  error_number?: number;
  error_code?: number;
  error?: string;
  description?: string;
}

function errorsOf(body: Record<string, unknown>): SlurmErrorEntry[] {
  return Array.isArray(body.errors) ? (body.errors as SlurmErrorEntry[]) : [];
}

/** Whether the answer says the job id is unknown (500 with error 2017). */
export function isUnknownJob(answer: SlurmAnswer): boolean {
  return errorsOf(answer.body).some((e) => (e.error_number ?? e.error_code) === SLURM_UNKNOWN_JOB);
}

function describe(body: Record<string, unknown>): string {
  const list = errorsOf(body)
    .map((e) =>
      [e.error_number ?? e.error_code, e.description || e.error].filter(Boolean).join(' '),
    )
    .filter(Boolean);
  return list.length > 0 ? list.join('; ') : 'no error detail';
}

export function classifySlurm(clusterId: string, what: string, a: SlurmAnswer): ClusterError {
  const detail = `Slurm cluster ${clusterId}: ${what} answered HTTP ${a.status} (${describe(a.body)})`;
  if (a.status === 429) return new ClusterError('throttled', detail, 429);
  if (a.status === 401 || a.status === 403) {
    return new ClusterError('forbidden', `${detail}; check the cluster's token and user`, a.status);
  }
  if (a.status === 400 || a.status === 404 || a.status === 422) {
    return new ClusterError('invalid', detail, a.status);
  }
  return new ClusterError('server', detail, a.status);
}

export type SlurmRequest = (
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
) => Promise<SlurmAnswer>;

export function slurmClient(o: SlurmClientOptions): SlurmRequest {
  const limiter = createRateLimiter({ qps: 10, burst: 20, ...o.limiter });
  const doFetch = o.fetch ?? fetch;
  const base = o.url.replace(/\/+$/, '');
  return async (method, path, body) => {
    await limiter.acquire();
    const token = typeof o.token === 'string' ? o.token : await o.token();
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          'X-SLURM-USER-NAME': o.user,
          'X-SLURM-USER-TOKEN': token.trim(),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
    } catch (e) {
      const err = new ClusterError(
        'unreachable',
        `Slurm cluster ${o.clusterId}: ${method} ${path} got no answer from ${base} (${e instanceof Error ? e.message : String(e)})`,
      );
      err.cause = e;
      throw err;
    }
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { errors: [{ description: text.slice(0, 200) }] };
    }
    if (res.status === 429) {
      const after = Number(res.headers.get('retry-after'));
      if (Number.isFinite(after) && after > 0) limiter.pause(after * 1000);
    }
    return { status: res.status, body: parsed };
  };
}
