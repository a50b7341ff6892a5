/**
 * The embedded pair with its writes on a thread of their own. Every write of the pair (the list is
 * `WRITES`) is sent to a worker thread that owns a second connection to the same database file and
 * runs them in its group commit; reads stay on the calling thread's connection. So the SQLite
 * statements of each write, the COMMIT and its fsync run beside the event loop, not on it: the
 * loop keeps parsing requests while a batch is made durable. Durability is unchanged (WAL,
 * `synchronous = FULL`, a write resolves after its COMMIT), and so is what a reader sees: a write
 * resolves only after it committed, and a read after that, on any connection, sees it.
 *
 * Calls made in one turn of the event loop go in one message, and the thread answers those of one
 * commit in one message. Errors keep their class (`VersionConflictError`, …: the protocol file).
 * The thread keeps the process alive only while a write is outstanding.
 *
 * Opt-in (`store.sqlite.writer: thread`): each write then costs the process more (the clone of its
 * arguments, a second event loop's wake-ups), which on 2 cores, with a load generator beside it,
 * outweighed what it took off the event loop (docs/performance.md, bench:submit).
 */
import { AppError } from '../base/errors.js';
import { startTsWorker } from '../base/ts-worker.node.js';
import {
  fromWire,
  LOCAL_RESULTS,
  WRITES,
  type FromWriter,
  type ToWriter,
  type WireError,
  type WriterData,
} from './sqlite-writer-protocol.node.js';

export interface SqliteWriter {
  /** Runs the write at `path` (e.g. `store.jobs.create`) on the writer thread. */
  call(path: string, args: unknown[]): Promise<unknown>;
  /** Resolves once the thread opened the database; rejects if it could not. */
  ready: Promise<void>;
  /** Resolves once no write is outstanding (each answered). */
  drained(): Promise<void>;
  /** Commits what waits, stops the thread. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** The result, where the arguments tell it (`LOCAL_RESULTS`), taken when the call was made. */
  local?: { value: unknown };
}

export function startSqliteWriter(data: WriterData): SqliteWriter {
  const entry = new URL('./sqlite-writer-thread.node.ts', import.meta.url);
  const worker = startTsWorker(entry, { workerData: data });
  worker.unref();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let outgoing: Array<[number, string, unknown[]]> = [];
  let scheduled = false;
  let stopped: Error | undefined;
  let markReady!: () => void;
  let failReady!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => {}); // a caller that never awaits it still sees the error on its writes
  let closed: (() => void) | undefined;
  let idle: Array<() => void> = [];
  const whenIdle = () => {
    const waiting = idle;
    idle = [];
    for (const w of waiting) w();
  };

  const settle = (id: number, ok: boolean, value: unknown) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (pending.size === 0) {
      worker.unref();
      whenIdle();
    }
    if (!ok) p.reject(fromWire(value as WireError));
    else if (p.local) p.resolve(p.local.value);
    else p.resolve(value);
  };

  const stop = (error: Error) => {
    stopped ??= error;
    failReady(error);
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    whenIdle();
  };

  worker.on('message', (msg: FromWriter) => {
    if ('replies' in msg) for (const [id, ok, value] of msg.replies) settle(id, ok, value);
    else if ('ready' in msg) markReady();
    else closed?.();
  });
  worker.on('error', (e) =>
    stop(
      new AppError('UNAVAILABLE', `the SQLite writer thread stopped: ${e.message}`, { cause: e }),
    ),
  );
  worker.on('exit', (code) => {
    stop(new AppError('UNAVAILABLE', `the SQLite writer thread exited (code ${code})`));
    closed?.();
  });

  const flush = () => {
    scheduled = false;
    if (outgoing.length === 0) return;
    worker.postMessage({ calls: outgoing } satisfies ToWriter);
    outgoing = [];
  };

  return {
    call(path, args) {
      if (stopped) return Promise.reject(stopped);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        if (pending.size === 0) worker.ref();
        const result = LOCAL_RESULTS[path];
        pending.set(id, { resolve, reject, ...(result && { local: { value: result(args) } }) });
        outgoing.push([id, path, args]);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    ready,
    drained() {
      if (pending.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    async close() {
      if (stopped) return;
      flush();
      worker.ref();
      const done = new Promise<void>((resolve) => (closed = resolve));
      worker.postMessage({ close: true } satisfies ToWriter);
      await done;
      await worker.terminate();
    },
  };
}

type Pair = { store: object; queue: object; jobPublish: object };

/**
 * `pair` with each method in `WRITES` sent to `writer`; the rest (reads, `driver`) as they were.
 * Plain objects with own properties, as the wrappers that spread them expect.
 */
export function withWriter<P extends Pair>(pair: P, writer: SqliteWriter): P {
  const route = (target: object, prefix: string, names: readonly string[]) => {
    const routed: Record<string, unknown> = { ...target };
    for (const name of names) {
      const path = `${prefix}.${name}`;
      routed[name] = (...args: unknown[]) => writer.call(path, args);
    }
    return routed;
  };
  const store: Record<string, unknown> = { ...pair.store };
  for (const [table, names] of Object.entries(WRITES.store)) {
    store[table] = route((pair.store as Record<string, object>)[table]!, `store.${table}`, names);
  }
  return {
    ...pair,
    store,
    queue: route(pair.queue, 'queue', WRITES.queue),
    jobPublish: route(pair.jobPublish, 'jobPublish', WRITES.jobPublish),
  };
}
