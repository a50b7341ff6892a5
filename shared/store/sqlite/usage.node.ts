/**
 * Usage counters in SQLite: one row per key, absent meaning 0. `apply` changes each counter with
 * one statement (the new value `max(0, value + delta)` computed in SQL, and with a maximum, the
 * change made only where the new value stays within it: what `nextUsage` does) and must run inside
 * the caller's transaction, so a `QuotaExceededError` part-way rolls back every earlier change
 * along with the job write. One statement per counter, not a read and a write: a reservation
 * changes eight, on the writer's path of every submission.
 */
import type Database from 'better-sqlite3';
import { QuotaExceededError } from '../../base/errors.js';
import type { UsageDelta, UsageTable } from '../port.js';

const SCHEMA = 'CREATE TABLE IF NOT EXISTS usage (key TEXT PRIMARY KEY, value NUMERIC NOT NULL);';

type CounterRow = { key: string; value: number };

export function createSqliteUsage(db: Database.Database): {
  table: UsageTable;
  apply(changes: readonly UsageDelta[]): void;
} {
  db.exec(SCHEMA);
  const getQ = db.prepare('SELECT value FROM usage WHERE key = ?');
  const bumpQ = db.prepare(
    `INSERT INTO usage (key, value) VALUES (@key, max(0, @delta))
     ON CONFLICT (key) DO UPDATE SET value = max(0, usage.value + @delta)
     WHERE @max IS NULL OR max(0, usage.value + @delta) <= @max`,
  );
  // The range bound lets the primary key narrow the scan; substr makes the match exact.
  const listQ = db.prepare(
    `SELECT key, value FROM usage
     WHERE key >= @prefix AND substr(key, 1, length(@prefix)) = @prefix ORDER BY key`,
  );
  const current = (key: string) => (getQ.get(key) as CounterRow | undefined)?.value ?? 0;
  // One read transaction, so the values come from a single snapshot.
  const getAll = db.transaction((keys: readonly string[]) =>
    Object.fromEntries(keys.map((key) => [key, current(key)])),
  );

  return {
    apply(changes) {
      if (!db.inTransaction) throw new Error('usage changes must run inside a transaction');
      for (const { key, delta, max } of changes) {
        // A new row starts at max(0, delta), which the statement does not check against `max`.
        if (max !== undefined && Math.max(0, delta) > max) throw new QuotaExceededError(key);
        if (bumpQ.run({ key, delta, max: max ?? null }).changes === 0) {
          throw new QuotaExceededError(key);
        }
      }
    },
    table: {
      async get(keys) {
        return getAll(keys);
      },
      async list(prefix) {
        const rows = listQ.all({ prefix }) as CounterRow[];
        return Object.fromEntries(rows.map((r) => [r.key, r.value]));
      },
    },
  };
}
