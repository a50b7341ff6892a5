/**
 * Retry delays with jitter, so failed deliveries to one endpoint do not retry in lockstep.
 * `full`: uniform in [0, min(max, base·2^(attempt-1))]. `decorrelated`: uniform in
 * [base, 3·previous], capped at max (pass the previous delay back in as `previousMs`).
 */

export interface BackoffOptions {
  /** Default 1000. */
  baseMs?: number;
  /** Default 300 000 (5 min). */
  maxMs?: number;
  /** Uniform in [0, 1); default `Math.random`. Inject for deterministic tests. */
  random?: () => number;
  /** Default `full`. */
  jitter?: 'full' | 'decorrelated';
  /** The delay used before this attempt; `decorrelated` only. Defaults to `baseMs`. */
  previousMs?: number;
}

/** The delay after failed attempt number `attempt` (1 = the first try), in whole milliseconds. */
export function nextDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const baseMs = Math.max(0, options.baseMs ?? 1000);
  const maxMs = Math.max(baseMs, options.maxMs ?? 300_000);
  const random = options.random ?? Math.random;
  const r = Math.min(Math.max(random(), 0), 1);
  if (options.jitter === 'decorrelated') {
    const previous = Math.max(baseMs, options.previousMs ?? baseMs);
    const upper = Math.min(maxMs, previous * 3);
    return Math.round(Math.min(maxMs, baseMs + r * (upper - baseMs)));
  }
  const n = Math.max(1, Math.floor(Number.isFinite(attempt) ? attempt : 1));
  // 2^52 is far past any cap; keeps the arithmetic finite.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(n - 1, 52));
  return Math.round(r * ceiling);
}
