/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` a submit may carry
 * (`00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`), or a fresh trace id made at submit.
 * The trace id travels with the job (its create message, the workload's annotation or Slurm
 * comment, the drainer's status reports, the status webhooks' headers, and every log line about the
 * job: `base/job-log.ts`) so one grep follows a job across the control plane, the queue and the
 * drainer. Edge-safe.
 */
import { randomHex } from '../base/clock.js';
import { AppError } from '../base/errors.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_PARENT = '0'.repeat(16);

/** A random 16-byte trace id, as 32 lower-case hex digits (never all zero). */
export function newTraceId(): string {
  for (;;) {
    const id = randomHex(16);
    if (id !== ZERO_TRACE) return id;
  }
}

/**
 * The trace id of a `traceparent` header, a new one when there is none. A malformed header is a
 * 400 saying the expected shape (version `ff` and all-zero ids are invalid by the spec).
 */
export function traceIdOf(header: string | undefined): string {
  if (header === undefined) return newTraceId();
  const m = TRACEPARENT.exec(header.trim());
  if (!m || m[1] === 'ff' || m[2] === ZERO_TRACE || m[3] === ZERO_PARENT) {
    throw new AppError(
      'BAD_REQUEST',
      'traceparent must be W3C Trace Context: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lower case, ids not all zero',
      { details: { header: 'traceparent' } },
    );
  }
  return m[2]!;
}

/**
 * A `traceparent` for the job's trace: the given trace id, sampled, and a new random span id; or,
 * with `seed`, a span id derived from it (FNV-1a, 64 bit), so a pure function such as a workload
 * manifest gives the same value every time for the same job and attempt.
 */
export function traceparentFor(traceId: string, seed?: string): string {
  const span = seed === undefined ? randomHex(8) : fnv64(seed);
  return `00-${traceId}-${span === ZERO_PARENT ? '0'.repeat(15) + '1' : span}-01`;
}

function fnv64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) {
    h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * The trace id of a valid `traceparent`, or undefined for anything else: for values read back from
 * a cluster (an annotation anyone could edit), where a bad one is ignored rather than refused.
 */
export function traceIdIn(value: string | undefined): string | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value);
  if (!m || m[1] === 'ff' || m[2] === ZERO_TRACE || m[3] === ZERO_PARENT) return undefined;
  return m[2];
}

/** Whether `value` is a valid W3C `traceparent` (the drainer report's optional field). */
export const isTraceparent = (value: string): boolean => traceIdIn(value) !== undefined;

/** A status report's optional `traceparent` field for a job of trace `traceId` (none: `{}`). */
export function traceparentField(traceId: string | undefined): { traceparent?: string } {
  return traceId ? { traceparent: traceparentFor(traceId) } : {};
}
