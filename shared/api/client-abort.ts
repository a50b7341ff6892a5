/**
 * A client that hangs up before its request is read is not a server error. Such a request is
 * answered (to nobody) with 499, nginx's "client closed request", so `/metrics` counts it apart
 * from 5xx, and it is logged at info level without a stack.
 */
import type { Context } from 'hono';
import type { Logger } from '../base/log.js';

export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Whether `err` means the client went away: the request's signal is aborted (the Node adapter and
 * Workers abort it when the connection closes), or reading the body failed because the socket
 * was closed mid-body (Node's `Error: aborted`, code `ECONNRESET`), which can arrive first.
 */
export function isClientAbort(err: unknown, req: Request): boolean {
  if (req.signal?.aborted) return true;
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return (e.code === 'ECONNRESET' && e.message === 'aborted') || e.name === 'AbortError';
}

/** Logs the abort (its message, never a stack) and answers 499. */
export function clientClosed(c: Context, err: unknown, log: Logger, requestId: string): Response {
  log.info('client closed the request before it was read', {
    requestId,
    method: c.req.method,
    path: c.req.path,
    status: CLIENT_CLOSED_REQUEST,
    error: err instanceof Error ? err.message : String(err),
  });
  return new Response(null, { status: CLIENT_CLOSED_REQUEST });
}
