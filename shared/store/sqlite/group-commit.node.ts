/**
 * Group commit for one SQLite connection: the writes asked for in one turn of the event loop run
 * in one IMMEDIATE transaction — one commit, one fsync (`synchronous=FULL` stays) — each in its own
 * savepoint, so one write's failure (a version conflict, a quota) rolls back that write alone.
 * Each caller's promise settles only after the batch's COMMIT returned: nothing is acknowledged
 * before it is durable. Reads run outside and see committed state only. The batch runs
 * synchronously from BEGIN to COMMIT, so a direct (unbatched) write on the connection can never
 * land inside it.
 * The savepoints' statement journal (the pages a savepoint would roll back to) is kept in memory:
 * by default SQLite spills it past 64 KiB to a deleted temporary file, which with a batch of a few
 * dozen writes meant two more pwrite calls per page each write touched. It matters only until
 * the COMMIT, so durability is unchanged: WAL, `synchronous = FULL`. (The pragma is per
 * connection: a sort that spills would spill to memory too; the store's sorts are indexed or
 * bounded by a LIMIT.)
 */
import type Database from 'better-sqlite3';

export interface GroupCommit {
  /**
   * Runs `work` in the next batch's transaction (in its own savepoint); resolves with its result
   * once that transaction committed, or rejects with what `work` threw.
   */
  run<T>(work: () => T): Promise<T>;
  /** Runs the waiting batch now (before the connection closes). */
  flush(): void;
}

interface Item {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** At most this many writes share one transaction; the rest go in the next turn's batch. */
const MAX_BATCH = 512;

export function createGroupCommit(db: Database.Database): GroupCommit {
  let waiting: Item[] = [];
  let scheduled = false;
  db.pragma('temp_store = MEMORY');
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  // Inside BEGIN, a better-sqlite3 transaction function is a savepoint: released on return,
  // rolled back to on a throw.
  const savepoint = db.transaction((work: () => unknown) => work());

  function runBatch(batch: Item[]): void {
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      begin.run();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) {
      try {
        results.push({ ok: true, value: savepoint(item.work) });
      } catch (error) {
        results.push({ ok: false, error });
      }
    }
    try {
      commit.run();
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const r = results[i]!;
      if (r.ok) item.resolve(r.value);
      else item.reject(r.error);
    });
  }

  function flush(): void {
    scheduled = false;
    while (waiting.length > 0 && db.open) {
      const batch = waiting.length > MAX_BATCH ? waiting.splice(0, MAX_BATCH) : waiting;
      if (batch === waiting) waiting = [];
      runBatch(batch);
    }
    const orphans = waiting;
    waiting = [];
    for (const item of orphans) item.reject(new Error('the SQLite database was closed'));
  }

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({ work, resolve: resolve as (v: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flush,
  };
}
