/**
 * The embedded pair: the SQLite store and the SQLite queue on one database file and one connection,
 * so their writes share the group commit's transactions, and a new dispatched job and its message
 * commit together (`JobPublish`). A queue file from before (`queue.db`) is emptied into it once.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { AppError } from '../base/errors.js';
import { systemClock, type Clock } from '../base/clock.js';
import { createGroupCommit } from '../store/sqlite/group-commit.node.js';
import { createSqliteStoreOn, openSqlite } from '../store/sqlite.node.js';
import type { StateStore } from '../store/port.js';
import type { JobPublish } from './job-publish.js';
import type { Queue } from './port.js';
import { createSqliteQueueOn } from './sqlite.node.js';
import { startSqliteWriter, withWriter } from './sqlite-writer.node.js';

export interface SqlitePair {
  store: StateStore;
  queue: Queue;
  jobPublish: JobPublish;
}

export function createSqlitePair(options: {
  path: string;
  maxAttempts?: number;
  clock?: Clock;
  /** A queue file of an earlier version whose messages move into `path` (then renamed *.moved). */
  legacyQueuePath?: string;
  /** Consumer writes and log appends in the group commit (default true; see `sqlite.node.ts`). */
  batchConsumerWrites?: boolean;
  /**
   * `thread`: every write runs on a worker thread with its own connection, off the event loop
   * (`sqlite-writer.node.ts`; a file path and the system clock only). `inline` (default): on
   * this thread's connection.
   */
  writer?: 'thread' | 'inline';
}): SqlitePair & { ready: Promise<void> } {
  const db = openSqlite(options.path);
  const gc = createGroupCommit(db);
  const s = createSqliteStoreOn(db, gc, { batchLogs: options.batchConsumerWrites });
  // The store closes the connection; the queue only lets its waiting writes commit first.
  const q = createSqliteQueueOn(db, gc, options, async () => gc.flush());
  if (options.legacyQueuePath) moveLegacyQueue(db, options.legacyQueuePath);
  const pair: SqlitePair = {
    store: s.store,
    queue: q.queue,
    jobPublish: {
      createAndPublish(job, changes, outbox, message) {
        return gc.run(() => {
          s.createJob(job, changes, outbox);
          return q.insert(message.queue, message.body);
        });
      },
    },
  };
  if (options.writer !== 'thread') return { ...pair, ready: Promise.resolve() };
  return onWriterThread(pair, options);
}

/** The pair with its writes on a writer thread: what waits there commits before either closes. */
function onWriterThread(pair: SqlitePair, options: Parameters<typeof createSqlitePair>[0]) {
  if (options.path === ':memory:' || (options.clock && options.clock !== systemClock)) {
    throw new AppError(
      'INVALID_CONFIG',
      'a SQLite writer thread needs a database file and the system clock; use writer: inline',
    );
  }
  const writer = startSqliteWriter({
    path: options.path,
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
    ...(options.batchConsumerWrites !== undefined && {
      batchConsumerWrites: options.batchConsumerWrites,
    }),
  });
  const routed = withWriter(pair, writer);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= writer.close().then(() => pair.store.close()));
  return {
    store: { ...routed.store, close },
    queue: { ...routed.queue, close: () => writer.drained() },
    jobPublish: routed.jobPublish,
    ready: writer.ready,
  };
}

/** Copies every message of an older separate queue file into this database, once. */
function moveLegacyQueue(db: ReturnType<typeof openSqlite>, path: string): void {
  if (!existsSync(path)) return;
  db.prepare('ATTACH DATABASE ? AS legacy').run(path);
  try {
    const table = db
      .prepare(
        "SELECT 1 FROM legacy.sqlite_master WHERE type = 'table' AND name = 'queue_messages'",
      )
      .get();
    if (table)
      db.exec(`INSERT OR IGNORE INTO main.queue_messages
        (queue, id, body, attempts, visible_at, receipt, published_at, dead)
        SELECT queue, id, body, attempts, visible_at, receipt, published_at, dead
        FROM legacy.queue_messages ORDER BY seq`);
    // Its WAL folded into the file, so the renamed file is whole on its own.
    db.pragma('legacy.wal_checkpoint(TRUNCATE)');
  } finally {
    db.exec('DETACH DATABASE legacy');
  }
  renameSync(path, `${path}.moved`);
  for (const side of ['-wal', '-shm']) rmSync(`${path}${side}`, { force: true });
}
