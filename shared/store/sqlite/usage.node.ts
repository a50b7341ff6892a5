/**
 * Usage counters in SQLite: one row per key, absent meaning 0. `apply` reads and writes each
 * counter in turn and must run inside the caller's transaction, so a `QuotaExceededError` part-way
 * rolls back every earlier change along with the job write.
 */
import type Database from 'better-sqlite3';
import { nextUsage } from '../cursor.js';
import type { UsageDelta, UsageTable } from '../port.js';

const SCHEMA = 'CREATE TABLE IF NOT EXISTS usage (key TEXT PRIMARY KEY, value NUMERIC NOT NULL);';

type CounterRow = { key: string; value: number };

export function createSqliteUsage(db: Database.Database): {
  table: UsageTable;
  apply(changes: readonly UsageDelta[]): void;
} {
  db.exec(SCHEMA);
  const getQ = db.prepare('SELECT value FROM usage WHERE key = ?');
  const putQ = db.prepare(
    'INSERT INTO usage (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
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
      for (const change of changes) putQ.run(change.key, nextUsage(current(change.key), change));
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
