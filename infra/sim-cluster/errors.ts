/** Kubernetes `Status` error objects and the error class the simulated server throws to answer one. */

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error that becomes a Kubernetes `Status` response with `code` as the HTTP status. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** Sent as the `Retry-After` header too. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): KubeStatus {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): KubeStatus {
  const status: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) status.details = details;
  return status;
}

/** `group` is '' for the core group; `kind` is the plural resource, as Kubernetes reports it. */
export function notFound(group: string, resource: string, name: string): StatusError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new StatusError(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export function alreadyExists(group: string, resource: string, name: string): StatusError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new StatusError(409, 'AlreadyExists', `${qualified} "${name}" already exists`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): StatusError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes,
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function tooManyRequests(retryAfterSeconds: number): StatusError {
  return new StatusError(
    429,
    'TooManyRequests',
    'Too many requests, please try again later.',
    { retryAfterSeconds },
    retryAfterSeconds,
  );
}

export function pathNotFound(path: string): StatusError {
  return new StatusError(404, 'NotFound', `the server could not find the requested resource`, {
    causes: [{ reason: 'UnexpectedServerResponse', message: `404 page not found: ${path}` }],
  });
}

export function methodNotAllowed(method: string, path: string): StatusError {
  return new StatusError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method} ${path})`,
  );
}

/** A stale watch resourceVersion; sent as an `ERROR` event inside a 200 watch response. */
export function expired(requested: number, oldest: number): StatusError {
  return new StatusError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

/** The Status a job create answers with when `failCreates` is set. */
export function injectedCreateFailure(
  code: 403 | 422 | 500 | 503 | 429,
  name: string,
  retryAfterSeconds: number | undefined,
): StatusError {
  switch (code) {
    case 403:
      return new StatusError(
        403,
        'Forbidden',
        `jobs.batch "${name}" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=8, limited: requests.nvidia.com/gpu=8`,
        { name, group: 'batch', kind: 'jobs' },
      );
    case 422:
      return invalid('Job', 'batch', name, [
        { reason: 'FieldValueInvalid', message: 'Invalid value: injected fault', field: 'spec' },
      ]);
    case 500:
      return new StatusError(500, 'InternalError', 'Internal error occurred: injected fault', {
        causes: [{ reason: '', message: 'injected fault' }],
      });
    case 503:
      return new StatusError(
        503,
        'ServiceUnavailable',
        'the server is currently unable to handle the request',
        undefined,
        retryAfterSeconds,
      );
    case 429:
      return tooManyRequests(retryAfterSeconds ?? 1);
  }
}
