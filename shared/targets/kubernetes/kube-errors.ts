/**
 * Classifying what a Kubernetes request threw into a `ClusterError` whose kind says whether to
 * retry, and reading `Retry-After` from a throttled response. Edge-safe: client-node's
 * `ApiException` is read by its shape (`code`, `body`, `headers`), not imported.
 */
import type { ClusterErrorKind } from './port.js';
import { ClusterError } from './port.js';

/** What client-node's `ApiException` carries: the HTTP status, the response body and headers. */
export interface KubeApiError extends Error {
  code: number;
  body: unknown;
  headers: Record<string, string> | undefined;
}

/** An HTTP error response as client-node reports it (an `ApiException`, matched by shape). */
export function isKubeApiError(error: unknown): error is KubeApiError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'number' &&
    'body' in error &&
    'headers' in error
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The first line of an error's message (or its name), for a one-line explanation. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] || error.name : String(error);
}

/** The HTTP status an error carries, if any. */
export function statusOf(error: unknown): number | undefined {
  if (isKubeApiError(error)) return error.code;
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The network-level reason a request failed (`ECONNREFUSED`, `timeout`, …), if it did. */
function networkReason(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, name, type } = e as { code?: unknown; name?: unknown; type?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if (name === 'AbortError' || name === 'TimeoutError' || type === 'aborted') {
      return 'timed out: whether the request took effect is unknown';
    }
    if (type === 'system' || type === 'request-timeout' || type === 'body-timeout') {
      return typeof code === 'string' ? code : String(type);
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Kubernetes' own message from a `Status` body, when there is one. */
function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.slice(0, 200) || undefined;
    }
  }
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * `Retry-After` in seconds from a 429: the header (seconds or HTTP date, counted from `nowMs`),
 * else the Status body's `details.retryAfterSeconds`.
 */
export function retryAfterSeconds(
  error: Pick<KubeApiError, 'body' | 'headers'>,
  nowMs: number = Date.now(),
): number | undefined {
  const header = Object.entries(error.headers ?? {}).find(
    ([k]) => k.toLowerCase() === 'retry-after',
  )?.[1];
  if (header !== undefined) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds;
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - nowMs) / 1000));
  }
  let body = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const details = (body as { details?: { retryAfterSeconds?: unknown } } | null)?.details;
  return typeof details?.retryAfterSeconds === 'number' ? details.retryAfterSeconds : undefined;
}

/** For `withRateLimit`: how long to wait before retrying a 429, or `null` if it is not one. */
export function throttleDelayMs(error: unknown): number | null {
  if (!isKubeApiError(error) || error.code !== 429) return null;
  return (retryAfterSeconds(error) ?? 0) * 1000;
}

function kindOfStatus(status: number): ClusterErrorKind {
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  if (status === 410) return 'server';
  return 'invalid';
}

const ADVICE: Record<ClusterErrorKind, string> = {
  unreachable: 'check that its API server is up and reachable; retrying later may help',
  forbidden: "check the drainer's credentials and RBAC for this cluster",
  invalid: 'the request was rejected as invalid; fix it rather than retrying',
  throttled: 'the API server is shedding load; retry after the advised delay',
  server: 'the API server failed; retrying later may help',
  conflict: 'read the object again and retry',
  'foreign-object': 'the object belongs to someone else and was left untouched',
};

/** Turns whatever client-node threw into a `ClusterError` whose kind says whether to retry. */
export function classify(error: unknown, clusterId: string, what: string): ClusterError {
  if (error instanceof ClusterError) return error;
  const status = statusOf(error);
  let result: ClusterError;
  if (status !== undefined) {
    const kind = kindOfStatus(status);
    const apiError = isKubeApiError(error);
    const detail = apiError ? statusMessage(error.body) : describeError(error);
    const retryAfter = kind === 'throttled' && apiError ? retryAfterSeconds(error) : undefined;
    result = new ClusterError(
      kind,
      `cluster ${clusterId}: ${what} failed with HTTP ${status}${detail ? ` (${detail})` : ''}; ${ADVICE[kind]}`,
      status,
      retryAfter,
    );
  } else {
    const reason = networkReason(error);
    const kind: ClusterErrorKind = reason ? 'unreachable' : 'server';
    result = new ClusterError(
      kind,
      `cluster ${clusterId}: ${what} failed (${reason ?? describeError(error)}); ${ADVICE[kind]}`,
    );
  }
  result.cause = error;
  return result;
}

/** A watch `ERROR` event carries a `Status`; 410 Gone means the resourceVersion is too old. */
export function watchEventError(object: unknown, clusterId: string): ClusterError {
  const status = object as { code?: unknown; message?: unknown; reason?: unknown } | null;
  const code = typeof status?.code === 'number' ? status.code : 500;
  const message = typeof status?.message === 'string' ? status.message : 'watch error';
  if (code === 410) {
    return new ClusterError(
      'server',
      `cluster ${clusterId}: watch expired (410 Gone: ${message}); relist and watch again`,
      410,
    );
  }
  const kind = kindOfStatus(code);
  return new ClusterError(
    kind,
    `cluster ${clusterId}: watching Jobs failed with ${code} (${message}); ${ADVICE[kind]}`,
    code,
  );
}
