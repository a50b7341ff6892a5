/** The in-memory log table (memory store). Every method runs without awaiting, so it is atomic. */
import { chunkBytes, dropCount, newLines } from './log-common.js';
import type { LogChunk, LogTable } from './log-port.js';

interface JobLog {
  chunks: Array<LogChunk & { bytes: number; exp: string }>;
  streams: Map<string, number>;
  nextSeq: number;
  bytes: number;
  droppedBytes: number;
  expiresAt: string;
}

export function createMemoryLogs(): LogTable {
  const logs = new Map<string, JobLog>();
  const live = (jobId: string, now: string) => {
    const log = logs.get(jobId);
    if (log && log.expiresAt <= now) logs.delete(jobId);
    return logs.get(jobId);
  };
  return {
    async append(entry, limits, now) {
      const log: JobLog = live(entry.jobId, now) ?? {
        chunks: [],
        streams: new Map(),
        nextSeq: 1,
        bytes: 0,
        droppedBytes: 0,
        expiresAt: limits.expiresAt,
      };
      logs.set(entry.jobId, log);
      log.expiresAt = limits.expiresAt;
      const { lines, nextLine } = newLines(entry, log.streams.get(entry.stream) ?? 0);
      log.streams.set(entry.stream, nextLine);
      if (lines.length === 0) return { stored: 0, nextLine };
      const bytes = chunkBytes(lines);
      const { stream, replica } = entry;
      log.chunks.push({ seq: log.nextSeq++, stream, replica, lines, bytes, exp: limits.expiresAt });
      const drop = dropCount(log.chunks, log.bytes + bytes, limits.capBytes);
      log.droppedBytes += log.bytes + bytes - drop.bytes;
      log.bytes = drop.bytes;
      log.chunks.splice(0, drop.n);
      return { stored: lines.length, nextLine };
    },
    async read(jobId, now, afterSeq = 0) {
      const log = live(jobId, now);
      if (!log) return { chunks: [], truncated: false, droppedBytes: 0 };
      const chunks = log.chunks
        .filter((c) => c.seq > afterSeq && c.exp > now)
        .map(({ bytes: _bytes, exp: _exp, ...c }) => structuredClone(c));
      return { chunks, truncated: log.droppedBytes > 0, droppedBytes: log.droppedBytes };
    },
    async positions(jobId, now) {
      return Object.fromEntries(live(jobId, now)?.streams ?? []);
    },
  };
}
