/**
 * The rules every log table driver applies the same way: which lines of an append are new, how big
 * a chunk is, and which of the oldest chunks go when a job passes its cap. Edge-safe.
 */
import type { LogAppend } from './log-port.js';

const encoder = new TextEncoder();

/** Bytes a chunk counts against the cap: its lines' UTF-8 text and newlines. */
export function chunkBytes(lines: readonly string[]): number {
  return lines.reduce((n, l) => n + encoder.encode(l).length + 1, 0);
}

/**
 * The lines of `entry` the stream does not hold yet, given that it holds `have` lines. A gap (the
 * chunk starts after `have`) is accepted as it is: output lost on the way cannot come back.
 */
export function newLines(entry: LogAppend, have: number): { lines: string[]; nextLine: number } {
  const skip = Math.max(0, have - entry.fromLine);
  const lines = entry.lines.slice(skip);
  return { lines, nextLine: Math.max(have, entry.fromLine + entry.lines.length) };
}

/** Of chunks oldest first, how many to drop so `total` bytes fit in `cap` (the newest stays). */
export function dropCount(chunks: readonly { bytes: number }[], total: number, cap: number) {
  let n = 0;
  let bytes = total;
  while (bytes > cap && n < chunks.length - 1) bytes -= chunks[n++]!.bytes;
  return { n, bytes };
}
