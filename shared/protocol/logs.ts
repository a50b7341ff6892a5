/**
 * The drainer protocol's log message: a bounded chunk of one pod's output, sent to
 * `POST /v1/drainer/logs` (or in-process in the embedded default). `fromLine` is the index of the
 * first line in the pod's output, so a chunk sent again is stored once; the answer's `nextLine`
 * tells a drainer that lost count where the store stands. A drainer that keeps no count at all (the
 * push function) asks first (`POST /v1/drainer/log-positions`) and starts each pod where it stands.
 */
import { z } from 'zod';

/**
 * Most lines, and bytes on the wire (each line JSON-encoded, as UTF-8), one chunk may carry: well
 * inside the API's default body limit (256 KiB), whatever the output's characters.
 */
export const MAX_CHUNK_LINES = 2000;
export const MAX_CHUNK_BYTES = 128 * 1024;

const encoder = new TextEncoder();

/** The bytes `lines` take in a request body, counted against `MAX_CHUNK_BYTES`. */
export const chunkBytesOnWire = (lines: readonly string[]): number =>
  lines.reduce((n, l) => n + encoder.encode(JSON.stringify(l)).length + 1, 0);

/** A line longer than this is cut (Kubernetes itself caps a log line at 16 KiB). */
export const MAX_LINE_CHARS = 16 * 1024;

export const logShipmentSchema = z
  .strictObject({
    jobId: z.string().max(64),
    clusterId: z.string().max(63),
    attempt: z.int().min(1),
    /** The pod's name. */
    stream: z.string().min(1).max(253),
    replica: z.int().min(0).max(100_000),
    fromLine: z.int().min(0),
    /** Each `<RFC 3339 time> <text>`. */
    lines: z
      .array(
        z
          .string()
          .max(MAX_LINE_CHARS + 64)
          .regex(/^\d{4}-\d\d-\d\dT\S+ /, 'must start with an RFC 3339 time and a space'),
      )
      .min(1)
      .max(MAX_CHUNK_LINES),
  })
  .refine((c) => chunkBytesOnWire(c.lines) <= MAX_CHUNK_BYTES, {
    message: `a chunk holds at most ${MAX_CHUNK_BYTES} bytes of JSON-encoded lines: send more, smaller chunks`,
    path: ['lines'],
  });

export type LogShipment = z.infer<typeof logShipmentSchema>;

export interface LogShipAnswer {
  /** Lines stored from this chunk. */
  stored: number;
  /** Where the pod's next chunk starts. */
  nextLine: number;
}

/** `POST /v1/drainer/log-positions`: where each stream of a job's placement stands in the store. */
export const logPositionsSchema = z.strictObject({
  jobId: z.string().max(64),
  clusterId: z.string().max(63),
  attempt: z.int().min(1),
});

export type LogPositionsRequest = z.infer<typeof logPositionsSchema>;

export interface LogPositions {
  /** Lines stored per stream (pod name); a stream not named has none. Empty when the job moved on. */
  streams: Record<string, number>;
}
