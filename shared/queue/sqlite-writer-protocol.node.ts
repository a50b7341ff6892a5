/**
 * What the embedded pair's writer thread and its callers agree on (`sqlite-writer.node.ts`): which
 * methods of the pair write (those run on the writer thread's connection; every read stays on the
 * caller's), the messages between them, and how an error crosses the thread with its class.
 */
import {
  AlreadyExistsError,
  AppError,
  QuotaExceededError,
  VersionConflictError,
  type ErrorCode,
} from '../base/errors.js';

/** The pair's writing methods, by table. Reads, `close` and `driver` stay on the calling thread. */
export const WRITES = {
  store: {
    jobs: ['create', 'update'],
    clusters: ['put', 'update'],
    tenants: ['create'],
    tokens: ['create', 'put'],
    idempotency: ['claim', 'complete', 'release'],
    deliveries: ['create', 'update'],
    settings: ['putIfAbsent', 'put', 'replace'],
    schedules: ['create', 'update', 'delete'],
    hooks: ['create', 'update', 'delete'],
    claims: ['claim'],
    logs: ['append'],
    maintenance: ['create', 'update'],
  },
  queue: ['publish', 'pull', 'ack', 'nack', 'extend'],
  jobPublish: ['createAndPublish'],
} as const;

/** Every writing method as `root.table.method` (or `root.method`). */
export const WRITE_PATHS: readonly string[] = [
  ...Object.entries(WRITES.store).flatMap(([t, ms]) => ms.map((m) => `store.${t}.${m}`)),
  ...WRITES.queue.map((m) => `queue.${m}`),
  ...WRITES.jobPublish.map((m) => `jobPublish.${m}`),
];

/** What the writer thread is started with (`workerData`). */
export interface WriterData {
  path: string;
  maxAttempts?: number;
  batchConsumerWrites?: boolean;
}

/**
 * Writes whose result the caller can tell from its arguments: the record as written, its version
 * one up (what the drivers return). The writer answers them without a value, and the caller does
 * not parse a job back.
 */
export const LOCAL_RESULTS: Record<string, (args: readonly unknown[]) => unknown> = {
  'store.jobs.update': ([job]) => bumped(job),
  'store.clusters.update': ([cluster]) => bumped(cluster),
};

const bumped = (record: unknown) => {
  const r = record as { version: number };
  return { ...r, version: r.version + 1 };
};

/**
 * Caller → writer: calls `[id, path, args]`, or close (commit what waits, then stop). Arguments
 * and results are structured clones: the store's records are JSON data, so they arrive unchanged.
 * (Sending them as JSON text instead cost the caller's thread more: 10–11 µs per job create and
 * publish against 7.)
 */
export type ToWriter = { calls: Array<[number, string, unknown[]]> } | { close: true };

/** Writer → caller. */
export type FromWriter =
  | { ready: true }
  | { replies: Array<[number, true, unknown] | [number, false, WireError]> }
  | { closed: true };

export interface WireError {
  name: string;
  message: string;
  /** An AppError's code, or a driver's (e.g. `SQLITE_BUSY`). */
  code?: string;
  app?: { details?: Record<string, unknown>; retryable: boolean; key?: string };
}

export function toWire(e: unknown): WireError {
  if (e instanceof AppError) {
    const key = e instanceof QuotaExceededError ? { key: e.key } : {};
    return {
      name: e.name,
      message: e.message,
      code: e.code,
      app: { ...(e.details && { details: e.details }), retryable: e.retryable, ...key },
    };
  }
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(typeof code === 'string' && { code }) };
  }
  return { name: 'Error', message: String(e) };
}

const APP_CLASSES: Record<string, { prototype: AppError }> = {
  VersionConflictError,
  AlreadyExistsError,
  QuotaExceededError,
};

/** The error `toWire` described, of the same class where it is one of ours. */
export function fromWire(w: WireError): Error {
  if (w.app) {
    const e = new AppError(w.code as ErrorCode, w.message, {
      ...(w.app.details && { details: w.app.details }),
      retryable: w.app.retryable,
    });
    const cls = APP_CLASSES[w.name];
    if (cls) Object.setPrototypeOf(e, cls.prototype);
    e.name = w.name;
    if (w.app.key !== undefined) Object.assign(e, { key: w.app.key });
    return e;
  }
  const e = new Error(w.message);
  e.name = w.name;
  if (w.code !== undefined) Object.assign(e, { code: w.code });
  return e;
}
