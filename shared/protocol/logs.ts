/**
 * The drainer protocol's log message: a bounded chunk of one pod's output, sent to
 * `POST /v1/drainer/logs` (or in-process in the embedded default). `fromLine` is the index of the
 * first line in the pod's output, so a chunk sent again is stored once; the answer's `nextLine`
 * tells a drainer that lost count where the store stands.
 */
import { z } from 'zod';

/** Most lines, and characters (times, text and newlines), one chunk may carry. */
export const MAX_CHUNK_LINES = 2000;
export const MAX_CHUNK_CHARS = 128 * 1024;

/** The characters `lines` count against `MAX_CHUNK_CHARS`. */
export const chunkChars = (lines: readonly string[]): number =>
  lines.reduce((n, l) => n + l.length + 1, 0);
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
  .refine((c) => chunkChars(c.lines) <= MAX_CHUNK_CHARS, {
    message: `a chunk holds at most ${MAX_CHUNK_CHARS} characters: send more, smaller chunks`,
    path: ['lines'],
  });

export type LogShipment = z.infer<typeof logShipmentSchema>;

export interface LogShipAnswer {
  /** Lines stored from this chunk. */
  stored: number;
  /** Where the pod's next chunk starts. */
  nextLine: number;
}
