/**
 * The embedded store's SQLite schema (tables and the indexes every read and sweep uses) and how
 * a database file is opened: created 0600, WAL, synchronous FULL (a commit is on disk before it
 * returns), a busy timeout for a second process on the same file.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';

export const STORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, project TEXT NOT NULL, state TEXT NOT NULL,
  created_at TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, decision TEXT);
CREATE INDEX IF NOT EXISTS jobs_by_tenant ON jobs (tenant_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created_at, id);
CREATE INDEX IF NOT EXISTS jobs_by_state_updated ON jobs (state, json_extract(body, '$.updatedAt'));
CREATE TABLE IF NOT EXISTS clusters (id TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, created_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_by_tenant ON tokens (tenant_id, created_at, id);
CREATE TABLE IF NOT EXISTS idempotency (
  tenant_id TEXT NOT NULL, key TEXT NOT NULL, expires_at TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (tenant_id, key));
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY, job_id TEXT NOT NULL, state TEXT NOT NULL, next_attempt_at TEXT NOT NULL,
  created_at TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt_at, created_at, id);
CREATE INDEX IF NOT EXISTS deliveries_by_job ON deliveries (job_id, created_at, id);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * Opens (and creates if needed) the database at `options.path`. A new file is created 0600 first:
 * it may hold signing keys, and SQLite gives its -wal and -shm files the database file's mode.
 */
export function openSqlite(path: string): Database.Database {
  if (path !== ':memory:' && path !== '' && !path.startsWith('file:'))
    closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}
