/** The one JSON error envelope: `{ error: { code, message, details?, requestId } }`. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../base/errors.js';
import type { Logger } from '../base/log.js';

export const DOCS_URL = 'https://github.com/switchyard/switchyard#errors';

export function errorResponse(c: Context, err: AppError): Response {
  const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
  const headers: Record<string, string> = {};
  if (err.code === 'RATE_LIMITED' && typeof err.details?.retryAfterSeconds === 'number') {
    headers['retry-after'] = String(err.details.retryAfterSeconds);
  }
  return c.json(
    {
      error: {
        code: err.code,
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
        retryable: err.retryable,
        requestId,
        docs: DOCS_URL,
      },
    },
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
