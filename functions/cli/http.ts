/** The HTTP client: one request function that turns the API's error envelope into an ApiError. */

/** An answer carrying the API's error envelope (or a non-JSON failure). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

/** The server could not be reached at all (refused, DNS, timeout). */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach Switchyard at ${url} (${reason})`);
  }
}

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
}

export interface Client {
  url: string;
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<Reply<T>>;
  /** A GET whose successful answer is read by the caller (text, a stream); errors as `request`. */
  raw?(path: string, query?: RequestOptions['query'], timeoutMs?: number): Promise<Response>;
}

function reasonOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer in time';
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string }) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function envelopeError(status: number, text: string): ApiError {
  try {
    const parsed = JSON.parse(text) as { error?: Record<string, unknown> };
    const e = parsed.error;
    if (e && typeof e.code === 'string') {
      return new ApiError(
        status,
        e.code,
        typeof e.message === 'string' ? e.message : '',
        e.details as Record<string, unknown> | undefined,
        typeof e.requestId === 'string' ? e.requestId : undefined,
      );
    }
  } catch {
    // not JSON: fall through to a generic error
  }
  const firstLine = text.trim().split('\n')[0]?.slice(0, 200) ?? '';
  return new ApiError(
    status,
    `HTTP_${status}`,
    firstLine || 'the server answered without a body',
    undefined,
    undefined,
  );
}

export function createClient(options: { url: string; token: string; timeoutMs?: number }): Client {
  const { url, token } = options;
  return {
    url,
    async raw(path, q = {}, timeoutMs) {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) if (v !== undefined) query.set(k, String(v));
      const target = `${url}${path}${query.size ? `?${query}` : ''}`;
      let res: Response;
      try {
        res = await fetch(target, {
          headers: { authorization: `Bearer ${token}` },
          redirect: 'error',
          ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
        });
      } catch (err) {
        throw new UnreachableError(url, reasonOf(err));
      }
      if (!res.ok) throw envelopeError(res.status, await res.text());
      return res;
    },
    async request<T>(method: string, path: string, req: RequestOptions = {}): Promise<Reply<T>> {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query ?? {})) {
        if (v !== undefined) query.set(k, String(v));
      }
      const target = `${url}${path}${query.size ? `?${query}` : ''}`;
      let res: Response;
      try {
        res = await fetch(target, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...req.headers,
          },
          ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (err) {
        throw new UnreachableError(url, reasonOf(err));
      }
      const text = await res.text();
      if (!res.ok) throw envelopeError(res.status, text);
      let body: unknown = {};
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ApiError(
            res.status,
            'BAD_RESPONSE',
            `${target} did not answer JSON; is --url a Switchyard server?`,
            undefined,
            undefined,
          );
        }
      }
      return { status: res.status, body: body as T, headers: res.headers };
    },
  };
}
