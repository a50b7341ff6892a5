/** One timed phase of C concurrent loops, and the summary of several such phases. */
import { performance } from 'node:perf_hooks';

export interface PhaseResult {
  ops: number;
  errors: number;
  elapsedMs: number;
  /** Latency of every successful op, in milliseconds. */
  latencies: number[];
  /** Completions in each second of the phase: shows whether throughput drifts. */
  perSecond: number[];
  firstError?: string;
}

/** Runs `op` in `concurrency` loops for `ms`; an op that throws counts as an error. */
export async function timedPhase(
  concurrency: number,
  ms: number,
  op: (i: number) => Promise<void>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  const perSecond: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  const start = performance.now();
  const end = start + ms;
  let last = start;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await op(seq++);
        } catch (e) {
          errors++;
          firstError ??= String(e);
          continue;
        }
        const t1 = performance.now();
        latencies.push(t1 - t0);
        const second = Math.floor((t1 - start) / 1000);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
        last = Math.max(last, t1);
      }
    }),
  );
  return {
    ops: latencies.length,
    errors,
    elapsedMs: last - start,
    latencies,
    perSecond: Array.from(perSecond, (n) => n ?? 0),
    ...(firstError ? { firstError } : {}),
  };
}

export interface Summary {
  ops: number;
  errors: number;
  /** Operations per second over all the phases' time. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** Completions per second of each phase, phases separated by `|`. */
  perSecond: string;
  firstError?: string;
}

/** Sums the rounds of one kind of phase: ops over total time, percentiles over all latencies. */
export function summarize(phases: readonly PhaseResult[]): Summary {
  const latencies = phases.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const ops = phases.reduce((n, p) => n + p.ops, 0);
  const elapsedMs = phases.reduce((n, p) => n + p.elapsedMs, 0);
  const firstError = phases.find((p) => p.firstError)?.firstError;
  return {
    ops,
    errors: phases.reduce((n, p) => n + p.errors, 0),
    rate: elapsedMs > 0 ? (ops * 1000) / elapsedMs : 0,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    perSecond: phases.map((p) => p.perSecond.join(' ')).join(' | '),
    ...(firstError ? { firstError } : {}),
  };
}
