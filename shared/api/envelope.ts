/**
 * The one JSON error envelope: `{ error: { code, message, details?, retryable, requestId, docs } }`.
 * `docs` is `<publicUrl>/docs/errors#CODE` (the request's origin when no public URL is set), the
 * same on Node and on the Worker.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorDocsUrl } from './error-docs.js';
import { AppError } from '../base/errors.js';
import type { Logger } from '../base/log.js';

/** The envelope's body; `docsBase` is the public URL (or the request's origin). */
export function errorBody(err: AppError, requestId: string, docsBase: string) {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
      retryable: err.retryable,
      requestId,
      docs: errorDocsUrl(docsBase, err.code),
    },
  };
}

/**
 * The envelope as a response, outside any app (the Worker before its app exists): `status`
 * overrides the code's own (e.g. 503 for a Worker that cannot start).
 */
export function errorEnvelope(
  err: AppError,
  request: Request,
  options: { requestId?: string; publicUrl?: string; status?: number } = {},
): Response {
  const body = errorBody(
    err,
    options.requestId ?? 'unknown',
    options.publicUrl ?? new URL(request.url).origin,
  );
  return Response.json(body, { status: options.status ?? err.status });
}

/** `publicUrl`: the server's public base URL; absent: the origin the request came to. */
export function errorResponse(c: Context, err: AppError, publicUrl?: string): Response {
  const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
  const headers: Record<string, string> = {};
  if (err.code === 'RATE_LIMITED' && typeof err.details?.retryAfterSeconds === 'number') {
    headers['retry-after'] = String(err.details.retryAfterSeconds);
  }
  return c.json(
    errorBody(err, requestId, publicUrl ?? new URL(c.req.url).origin),
    err.status as ContentfulStatusCode,
    headers,
  );
}

/** Maps anything thrown in a route to the envelope; unknown errors are logged, never shown. */
export function toAppError(err: unknown, log: Logger, requestId: string): AppError {
  if (err instanceof AppError) return err;
  if (
    err &&
    typeof err === 'object' &&
    'status' in err &&
    (err as { status: number }).status === 413
  ) {
    return new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  }
  log.error('unhandled error', {
    requestId,
    error: err instanceof Error ? err.stack : String(err),
  });
  return new AppError(
    'INTERNAL',
    `something went wrong on our side; quote request id ${requestId}`,
  );
}
