/**
 * Reads a Slurm job's output file from the shared workdir (`<workdir>/sy-<job id>-<Slurm job id>.out`,
 * the `%j` of the submit being the Slurm job id the status names) for log shipping (issue #17).
 * Node-only: the Worker never follows a Slurm cluster. Each read is bounded (`maxBytes`, default
 * the protocol's chunk size): it starts at a byte offset it remembers for the line position it
 * last returned, or else counts newlines from the start block by block, never holding the file.
 * A file not there yet (the job is pending) reads as nothing; a line still being written (no
 * newline yet) waits for its newline, or for the job's end. Slurm stamps no times, so each line is
 * stamped with the time it was read. A line longer than a read is cut to a read's bytes (the
 * drainer cuts lines to the protocol's bound).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { iso, systemClock, type Clock } from '../../base/clock.js';
import { outputStream, type SlurmOutputReader } from './output.js';

export interface SlurmOutputReaderOptions {
  workdir: string;
  clock?: Clock;
  /** Most bytes of the file one read returns (default 128 KiB, the protocol's chunk). */
  maxBytes?: number;
  /** Files whose byte offset is remembered (default 1000); the oldest is forgotten first. */
  maxCursors?: number;
}

interface Cursor {
  line: number;
  byte: number;
}

const BLOCK = 64 * 1024;
const MAX_READ = 128 * 1024;
const NL = 10;
/** What a job id in a Slurm comment may hold to name a file: nothing that leaves the workdir. */
const SAFE = /^[A-Za-z0-9_-]{1,64}$/;

/** The offset just past the next newline at or after `from`, or undefined when there is none yet. */
async function lineEnd(fh: FileHandle, from: number): Promise<number | undefined> {
  const buf = Buffer.alloc(BLOCK);
  for (let at = from; ;) {
    const { bytesRead } = await fh.read(buf, 0, BLOCK, at);
    if (bytesRead === 0) return undefined;
    const nl = buf.subarray(0, bytesRead).indexOf(NL);
    if (nl >= 0) return at + nl + 1;
    at += bytesRead;
  }
}

/** The offset where line `to` starts, counting newlines block by block from a known `start`. */
async function offsetOf(fh: FileHandle, start: Cursor, to: number): Promise<number | undefined> {
  let { line, byte } = start;
  const buf = Buffer.alloc(BLOCK);
  while (line < to) {
    const { bytesRead } = await fh.read(buf, 0, BLOCK, byte);
    if (bytesRead === 0) return undefined; // fewer lines than `to`
    const data = buf.subarray(0, bytesRead);
    let i = 0;
    for (let nl = data.indexOf(NL); nl >= 0 && line < to; nl = data.indexOf(NL, i)) {
      line++;
      i = nl + 1;
    }
    byte += line < to ? bytesRead : i;
  }
  return byte;
}

/** Complete lines from `byte` within `max` bytes (and the last partial one when `ended`). */
async function linesAt(fh: FileHandle, byte: number, max: number, ended: boolean) {
  const buf = Buffer.alloc(max);
  const { bytesRead } = await fh.read(buf, 0, max, byte);
  const data = buf.subarray(0, bytesRead);
  const texts: string[] = [];
  let i = 0;
  for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, i)) {
    texts.push(data.subarray(i, nl).toString('utf8'));
    i = nl + 1;
  }
  if (texts.length === 0 && bytesRead === max) {
    // One line longer than a read: its start, cut, once its newline (or the job's end) is there.
    const end = await lineEnd(fh, byte + max);
    if (end === undefined && !ended) return { texts, end: byte };
    texts.push(data.toString('utf8'));
    return { texts, end: end ?? byte + bytesRead };
  }
  if (ended && i < bytesRead && bytesRead < max) {
    texts.push(data.subarray(i).toString('utf8'));
    i = bytesRead;
  }
  return { texts, end: byte + i };
}

export function createSlurmOutputReader(o: SlurmOutputReaderOptions): SlurmOutputReader {
  const clock = o.clock ?? systemClock;
  const maxBytes = o.maxBytes ?? MAX_READ;
  const cursors = new Map<string, Cursor>();

  function remember(file: string, c: Cursor): void {
    cursors.delete(file);
    cursors.set(file, c);
    if (cursors.size > (o.maxCursors ?? 1000)) cursors.delete(cursors.keys().next().value!);
  }

  return {
    async read(jobId, slurmJobId, fromLine, ended) {
      if (!SAFE.test(jobId) || !/^\d{1,20}$/.test(slurmJobId)) return [];
      const file = join(o.workdir, `${outputStream(jobId, slurmJobId)}.out`);
      let fh: FileHandle;
      try {
        fh = await open(file, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []; // not started yet
        throw e;
      }
      try {
        const known = cursors.get(file);
        const start = known && known.line <= fromLine ? known : { line: 0, byte: 0 };
        const byte = await offsetOf(fh, start, fromLine);
        if (byte === undefined) return []; // the store holds more lines than the file ends with
        const { texts, end } = await linesAt(fh, byte, maxBytes, ended);
        if (ended && texts.length === 0) cursors.delete(file);
        else remember(file, { line: fromLine + texts.length, byte: end });
        const at = iso(clock.now());
        return texts.map((t) => `${at} ${t.replace(/\r$/, '')}`);
      } finally {
        await fh.close();
      }
    },
  };
}
