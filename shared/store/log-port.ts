/**
 * The log table: what a job printed, shipped by its drainer in chunks and served by
 * `GET /v1/jobs/:id/logs`. Each stream (one pod) is append-only by line index, so a chunk sent
 * again after a timeout or a drainer restart adds nothing twice. A job keeps at most `capBytes` of
 * output: the oldest chunks go first and the read says so (`truncated`). A chunk expires at the
 * `expiresAt` of the append that stored it; the job's counters at that of its last append.
 */

export interface LogAppend {
  jobId: string;
  /** Where the lines come from: the pod's name. */
  stream: string;
  /** The pod's replica index in a multi-node job (0 for a single pod). */
  replica: number;
  /** Index in the stream of `lines[0]`; lines the store already holds for the stream are skipped. */
  fromLine: number;
  /** Each `<RFC 3339 time> <text>`, as Kubernetes prints them with `timestamps=true`. */
  lines: string[];
}

export interface LogLimits {
  /** Most bytes of output one job keeps; older chunks are dropped to stay under it. */
  capBytes: number;
  /** ISO time at which the lines of this append (and, until the next append, the job's log) expire. */
  expiresAt: string;
}

export interface LogChunk {
  /** Increases with every chunk stored for the job. */
  seq: number;
  stream: string;
  replica: number;
  lines: string[];
}

export interface LogRead {
  chunks: LogChunk[];
  /** Whether older output was dropped to keep the job under its cap. */
  truncated: boolean;
  /** Bytes dropped so far. */
  droppedBytes: number;
}

export interface AppendResult {
  /** Lines stored from this append (0 when all were stored before). */
  stored: number;
  /** The stream's line count after this append: where the next chunk starts. */
  nextLine: number;
}

export interface LogTable {
  append(entry: LogAppend, limits: LogLimits, now: string): Promise<AppendResult>;
  /** The job's chunks in order, from `afterSeq` (exclusive) on; nothing once expired at `now`. */
  read(jobId: string, now: string, afterSeq?: number): Promise<LogRead>;
  /**
   * Where each of the job's streams stands (its line count; `{}` once expired at `now`): what a
   * drainer without memory (the push function) resumes from, so it ships nothing twice.
   */
  positions(jobId: string, now: string): Promise<Record<string, number>>;
}
