/**
 * The dashboard's API client: the token the user pasted (kept in sessionStorage only) and calls to
 * `/v1` that turn the JSON error envelope into an ApiError carrying its code and message.
 */
export const TOKEN_KEY = 'switchyard.token';

/** An API failure with the envelope's code and message (never a stack trace). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

function messageOf(e: unknown): string {
  const message = typeof e === 'object' && e !== null && 'message' in e ? e.message : undefined;
  return message ? String(message) : String(e);
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    return e.code + ': ' + e.message + (e.requestId ? ' (request ' + e.requestId + ')' : '');
  }
  return 'Unexpected error in the dashboard: ' + messageOf(e);
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

interface Envelope {
  error?: { code?: unknown; message?: unknown; requestId?: unknown } | null;
}

/** Calls the API with the stored token (or `withToken`); resolves to the parsed JSON body. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  withToken?: string,
): Promise<T> {
  const t = withToken || token();
  const headers: Record<string, string> = {
    accept: 'application/json',
    authorization: 'Bearer ' + t,
  };
  const init: RequestInit = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'NETWORK', 'cannot reach Switchyard (' + messageOf(e) + ')');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const env = data as Envelope | null;
    const err = env && env.error && typeof env.error === 'object' ? env.error : null;
    throw new ApiError(
      res.status,
      err && err.code ? String(err.code) : 'HTTP_' + res.status,
      err && err.message
        ? String(err.message)
        : 'the API answered ' + res.status + ' ' + res.statusText,
      err && err.requestId ? String(err.requestId) : undefined,
    );
  }
  return data as T;
}
