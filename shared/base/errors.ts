/**
 * One error model for the whole product: a stable upper-case code, a message that says what to do,
 * optional details, and whether retrying can help. HTTP status comes from one exhaustive switch.
 */

/** Every error code, at run time (the API description lists them). */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'INVALID_JOB',
  'INVALID_CONFIG',
  'INVALID_POLICY',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_KEY_REUSED',
  'INVALID_STATE',
  'PAYLOAD_TOO_LARGE',
  'NESTED_TOO_DEEP',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'VERSION_CONFLICT',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function codeToStatus(code: ErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
    case 'INVALID_JOB':
    case 'INVALID_CONFIG':
    case 'INVALID_POLICY':
    case 'NESTED_TOO_DEEP':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
    case 'IDEMPOTENCY_KEY_IN_USE':
    case 'INVALID_STATE':
    case 'QUOTA_EXCEEDED':
    case 'VERSION_CONFLICT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'IDEMPOTENCY_KEY_REUSED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
  }
}

/** A problem with one field of an input, named by its dotted path. */
export interface FieldIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? (code === 'UNAVAILABLE' || code === 'RATE_LIMITED');
  }

  get status(): number {
    return codeToStatus(this.code);
  }
}

/** Raised by store drivers when a conditional write finds another version than expected. */
export class VersionConflictError extends AppError {
  constructor(what: string) {
    super('VERSION_CONFLICT', `${what} was changed concurrently; read it again and retry`, {
      retryable: true,
    });
    this.name = 'VersionConflictError';
  }
}

/** Raised by store drivers when creating an item whose key already exists. */
export class AlreadyExistsError extends AppError {
  constructor(what: string) {
    super('CONFLICT', `${what} already exists`);
    this.name = 'AlreadyExistsError';
  }
}

/** Raised by store drivers when a usage counter would exceed its maximum. */
export class QuotaExceededError extends AppError {
  constructor(readonly key: string) {
    super('QUOTA_EXCEEDED', `usage ${key} would exceed its limit`, { details: { key } });
    this.name = 'QuotaExceededError';
  }
}

export function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} was not found`);
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** A thrown value as one line of text for a log field or a message. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
