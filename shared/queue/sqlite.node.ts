/**
 * The durable SQLite queue (Node only), for the embedded deployment. One table of messages; a pull
 * is one IMMEDIATE transaction that takes the oldest visible messages, counts the attempt, gives
 * each a fresh random receipt and hides it for `visibilityMs`. A message that would be delivered
 * more than `maxAttempts` times is dead-lettered instead. ack/nack/extend match on the receipt, so
 * a consumer whose message was already redelivered to another cannot touch it. Several connections
 * and processes may share one file (WAL, `busy_timeout`). Publishes of one event-loop turn share
 * one commit (group commit), and so do a consumer's ack/nack/extend (each still resolves only after
 * its commit, so an acknowledged ack is durable; a pull too, handing its deliveries out after the
 * commit; unbatched, each commits at once); in the embedded pair the table lives in the store's
 * database, on the store's connection (`sqlite-pair.node.ts`).
 */
import type Database from 'better-sqlite3';
import { newId, systemClock, type Clock } from '../base/clock.js';
import { openSqlite } from '../store/sqlite.node.js';
import { createGroupCommit, type GroupCommit } from '../store/sqlite/group-commit.node.js';
import { checkMaxAttempts, checkPullOptions, DEFAULT_MAX_ATTEMPTS } from './options.js';
import type { MessageBody, PullOptions, Queue, QueueMessage } from './port.js';

export interface SqliteQueueOptions {
  /** A file path, or `:memory:` for a private throwaway queue. */
  path: string;
  /** Deliveries before a message is dead-lettered; default 5. */
  maxAttempts?: number;
  clock?: Clock;
  /**
   * ack/nack/extend ride the group commit (default true). `false` commits each on its own, as
   * before: one fsync per ack; kept as the baseline of `npm run bench:dispatch`.
   */
  batchConsumerWrites?: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, visible_at INTEGER NOT NULL DEFAULT 0,
  receipt TEXT, published_at TEXT NOT NULL, dead INTEGER NOT NULL DEFAULT 0,
  UNIQUE (queue, id));
CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (queue, dead, visible_at, seq);
CREATE INDEX IF NOT EXISTS queue_messages_receipt ON queue_messages (receipt)
  WHERE receipt IS NOT NULL;
`;

interface Row {
  seq: number;
  id: string;
  body: string;
  attempts: number;
  receipt: string | null;
  published_at: string;
}

const toMessage = (row: Row): QueueMessage => ({
  id: row.id,
  body: JSON.parse(row.body) as MessageBody,
  attempt: row.attempts,
  receipt: row.receipt ?? '',
  publishedAt: row.published_at,
});

/** Opens (and creates if needed) the queue at `options.path`. */
export function createSqliteQueue(options: SqliteQueueOptions): Queue {
  const db: Database.Database = openSqlite(options.path);
  const gc = createGroupCommit(db);
  const { queue } = createSqliteQueueOn(db, gc, options, async () => {
    gc.flush();
    if (db.open) db.close();
  });
  return queue;
}

/**
 * The queue on an open connection whose writes go through `gc` (shared with the store in the
 * embedded pair); `close` is what closing the queue does to the connection. Also returns `insert`,
 * the publish's synchronous write, for a caller that adds it to its own savepoint.
 */
export function createSqliteQueueOn(
  db: Database.Database,
  gc: GroupCommit,
  options: Omit<SqliteQueueOptions, 'path'>,
  close: () => Promise<void>,
) {
  const clock = options.clock ?? systemClock;
  const maxAttempts = checkMaxAttempts(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  db.exec(SCHEMA);
  const batched = options.batchConsumerWrites ?? true;
  /** A consumer's write: in the next group commit, or at once (the unbatched baseline). */
  const write = (work: () => unknown): Promise<void> =>
    batched
      ? gc.run(work).then(() => {})
      : new Promise<void>((resolve) => {
          work();
          resolve();
        });

  const q = {
    insert: db.prepare(
      'INSERT INTO queue_messages (queue, id, body, published_at) VALUES (?, ?, ?, ?)',
    ),
    visible: db.prepare(
      `SELECT seq, id, body, attempts, receipt, published_at FROM queue_messages
       WHERE queue = ? AND dead = 0 AND visible_at <= ? ORDER BY seq LIMIT ?`,
    ),
    deliver: db.prepare(
      'UPDATE queue_messages SET attempts = ?, receipt = ?, visible_at = ? WHERE seq = ?',
    ),
    bury: db.prepare('UPDATE queue_messages SET dead = 1, receipt = NULL WHERE seq = ?'),
    ack: db.prepare('DELETE FROM queue_messages WHERE queue = ? AND receipt = ? AND dead = 0'),
    nack: db.prepare(
      `UPDATE queue_messages SET receipt = NULL, visible_at = ?
       WHERE queue = ? AND receipt = ? AND dead = 0`,
    ),
    extend: db.prepare(
      'UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND receipt = ? AND dead = 0',
    ),
    dead: db.prepare(
      `SELECT seq, id, body, attempts, receipt, published_at FROM queue_messages
       WHERE queue = ? AND dead = 1 ORDER BY seq LIMIT ?`,
    ),
    stats: db.prepare(
      `SELECT dead, COUNT(*) AS n, MIN(published_at) AS oldest FROM queue_messages
       WHERE queue = ? GROUP BY dead`,
    ),
  };

  /** One transaction; rows dead-lettered on the way do not count against `max`. */
  const pullTx = db.transaction((queue: string, options: PullOptions): QueueMessage[] => {
    const now = clock.now();
    const delivered: QueueMessage[] = [];
    for (;;) {
      const want = options.max - delivered.length;
      const rows = q.visible.all(queue, now, want) as Row[];
      for (const row of rows) {
        if (row.attempts + 1 > maxAttempts) {
          q.bury.run(row.seq);
          continue;
        }
        const next = { ...row, attempts: row.attempts + 1, receipt: crypto.randomUUID() };
        q.deliver.run(next.attempts, next.receipt, now + options.visibilityMs, row.seq);
        delivered.push(toMessage(next));
      }
      // Fewer rows than asked means none are left; otherwise some were buried, so look again.
      if (rows.length < want || delivered.length >= options.max) break;
    }
    return delivered;
  });

  const insert = (queue: string, body: MessageBody): string => {
    const id = newId(clock);
    q.insert.run(queue, id, JSON.stringify(body), new Date(clock.now()).toISOString());
    return id;
  };

  const queue = {
    driver: 'sqlite',

    publish(queue, body) {
      return gc.run(() => insert(queue, body));
    },

    // With batched consumer writes a pull rides the group commit too (one event-loop turn later,
    // sharing the fsync of that turn's acks and reports); its deliveries are handed out only
    // after the commit. Otherwise it commits on its own, at once.
    async pull(queue, pullOptions) {
      checkPullOptions(pullOptions);
      if (batched) return gc.run(() => pullTx(queue, pullOptions));
      return pullTx.immediate(queue, pullOptions);
    },

    ack(queue, receipt) {
      return write(() => q.ack.run(queue, receipt));
    },

    nack(queue, receipt, delayMs = 0) {
      return write(() => q.nack.run(clock.now() + delayMs, queue, receipt));
    },

    extend(queue, receipt, visibilityMs) {
      return write(() => q.extend.run(clock.now() + visibilityMs, queue, receipt));
    },

    async deadLetters(queue, limit) {
      return (q.dead.all(queue, limit) as Row[]).map(toMessage);
    },

    async stats(queue) {
      const rows = q.stats.all(queue) as Array<{ dead: number; n: number; oldest: string }>;
      const live = rows.find((r) => r.dead === 0);
      return {
        depth: live?.n ?? 0,
        deadLetters: rows.find((r) => r.dead === 1)?.n ?? 0,
        ...(live ? { oldestPublishedAt: live.oldest } : {}),
      };
    },

    close,
  } satisfies Queue;
  return { queue: queue as Queue, insert };
}
