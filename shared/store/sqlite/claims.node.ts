/**
 * One-time claims in SQLite. The claim is a single upsert that only overwrites an expired row, so
 * it is atomic across connections without an explicit transaction: `changes` says who won.
 */
import type Database from 'better-sqlite3';
import type { ClaimTable } from '../port.js';

const SCHEMA =
  'CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires_at TEXT NOT NULL);';

export function createSqliteClaims(db: Database.Database): ClaimTable {
  db.exec(SCHEMA);
  const claimQ = db.prepare(
    `INSERT INTO claims (key, expires_at) VALUES (@key, @expiresAt)
     ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
     WHERE claims.expires_at <= @now`,
  );
  return {
    async claim(key, expiresAt, now) {
      return claimQ.run({ key, expiresAt, now }).changes === 1;
    },
  };
}
