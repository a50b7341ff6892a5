/**
 * The SQLite log table: a row per job (line counts per stream, bytes kept and dropped, expiry) and
 * a row per chunk. An append is one IMMEDIATE transaction, so it holds across connections (given a
 * group commit, a savepoint in its next batch: a drainer ships every running job's output each
 * second, and one commit each would be an fsync per running job per second); expired
 * jobs are swept by the appends that follow; a chunk also expires on its own, retention after it
 * was stored.
 */
import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit.node.js';
import { chunkBytes, dropCount, newLines } from '../log-common.js';
import type { AppendResult, LogAppend, LogLimits, LogTable } from '../log-port.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job_logs (
  job_id TEXT PRIMARY KEY, next_seq INTEGER NOT NULL, bytes INTEGER NOT NULL,
  dropped_bytes INTEGER NOT NULL, streams TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS job_logs_expiry ON job_logs (expires_at);
CREATE TABLE IF NOT EXISTS log_chunks (
  job_id TEXT NOT NULL, seq INTEGER NOT NULL, stream TEXT NOT NULL, replica INTEGER NOT NULL,
  bytes INTEGER NOT NULL, expires_at TEXT NOT NULL, lines TEXT NOT NULL,
  PRIMARY KEY (job_id, seq));
`;

interface MetaRow {
  next_seq: number;
  bytes: number;
  dropped_bytes: number;
  streams: string;
  expires_at: string;
}

function statements(db: Database.Database) {
  return {
    meta: db.prepare('SELECT * FROM job_logs WHERE job_id = ?'),
    putMeta: db.prepare(
      `INSERT OR REPLACE INTO job_logs (job_id, next_seq, bytes, dropped_bytes, streams, expires_at)
       VALUES (@jobId, @nextSeq, @bytes, @dropped, @streams, @expiresAt)`,
    ),
    expired: db.prepare('SELECT job_id FROM job_logs WHERE expires_at <= ? LIMIT 100'),
    dropMeta: db.prepare('DELETE FROM job_logs WHERE job_id = ?'),
    dropChunks: db.prepare('DELETE FROM log_chunks WHERE job_id = ?'),
    insert: db.prepare(
      `INSERT INTO log_chunks (job_id, seq, stream, replica, bytes, expires_at, lines)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    sizes: db.prepare('SELECT seq, bytes FROM log_chunks WHERE job_id = ? ORDER BY seq'),
    trim: db.prepare('DELETE FROM log_chunks WHERE job_id = ? AND seq <= ?'),
    chunks: db.prepare(
      `SELECT seq, stream, replica, lines FROM log_chunks
       WHERE job_id = ? AND seq > ? AND expires_at > ? ORDER BY seq`,
    ),
  };
}

type Statements = ReturnType<typeof statements>;

/** Stores the new lines of `entry` as a chunk and drops the oldest past the cap (in a transaction). */
function appendIn(
  q: Statements,
  entry: LogAppend,
  { capBytes, expiresAt }: LogLimits,
  now: string,
): AppendResult {
  sweep(q, now);
  const row = q.meta.get(entry.jobId) as MetaRow | undefined;
  const streams = row ? (JSON.parse(row.streams) as Record<string, number>) : {};
  const { lines, nextLine } = newLines(entry, streams[entry.stream] ?? 0);
  streams[entry.stream] = nextLine;
  let nextSeq = row?.next_seq ?? 1;
  let bytes = row?.bytes ?? 0;
  let dropped = row?.dropped_bytes ?? 0;
  if (lines.length > 0) {
    const size = chunkBytes(lines);
    const { jobId, stream, replica } = entry;
    q.insert.run(jobId, nextSeq++, stream, replica, size, expiresAt, JSON.stringify(lines));
    bytes += size;
    if (bytes > capBytes) {
      const sizes = q.sizes.all(entry.jobId) as { seq: number; bytes: number }[];
      const drop = dropCount(sizes, bytes, capBytes);
      if (drop.n > 0) q.trim.run(entry.jobId, sizes[drop.n - 1]!.seq);
      dropped += bytes - drop.bytes;
      bytes = drop.bytes;
    }
  }
  const meta = { jobId: entry.jobId, nextSeq, bytes, dropped, expiresAt };
  q.putMeta.run({ ...meta, streams: JSON.stringify(streams) });
  return { stored: lines.length, nextLine };
}

function sweep(q: Statements, now: string): void {
  for (const { job_id } of q.expired.all(now) as { job_id: string }[]) {
    q.dropMeta.run(job_id);
    q.dropChunks.run(job_id);
  }
}

export function createSqliteLogs(db: Database.Database, gc?: GroupCommit): LogTable {
  db.exec(SCHEMA);
  const q = statements(db);
  const append = db.transaction((entry: LogAppend, limits: LogLimits, now: string) =>
    appendIn(q, entry, limits, now),
  );
  return {
    async append(entry, limits, now) {
      if (gc) return gc.run(() => appendIn(q, entry, limits, now));
      return append.immediate(entry, limits, now);
    },
    async read(jobId, now, afterSeq = 0) {
      const row = q.meta.get(jobId) as MetaRow | undefined;
      if (!row || row.expires_at <= now) return { chunks: [], truncated: false, droppedBytes: 0 };
      const rows = q.chunks.all(jobId, afterSeq, now) as Array<{
        seq: number;
        stream: string;
        replica: number;
        lines: string;
      }>;
      return {
        chunks: rows.map((r) => ({ ...r, lines: JSON.parse(r.lines) as string[] })),
        truncated: row.dropped_bytes > 0,
        droppedBytes: row.dropped_bytes,
      };
    },
    async positions(jobId, now) {
      const row = q.meta.get(jobId) as MetaRow | undefined;
      if (!row || row.expires_at <= now) return {};
      return JSON.parse(row.streams) as Record<string, number>;
    },
  };
}
