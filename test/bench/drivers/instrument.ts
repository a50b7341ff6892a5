/** Counts and times driver calls, to print how many of each one operation makes. */
import { performance } from 'node:perf_hooks';

/** Calls and total latency per driver method (`jobs.create`, `queue.publish`, …). */
export type CallStats = Map<string, { calls: number; ms: number }>;

/** Wraps every async method of `target` (and of its tables) to time it into `stats()`. */
export function instrument<T extends object>(target: T, stats: () => CallStats, prefix = ''): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      const name = `${prefix}${String(prop)}`;
      if (typeof value === 'function' && prop !== 'close') {
        return (...args: unknown[]) => {
          const t0 = performance.now();
          const out: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (!(out instanceof Promise)) return out;
          const into = stats();
          return out.finally(() => {
            const s = into.get(name) ?? { calls: 0, ms: 0 };
            s.calls++;
            s.ms += performance.now() - t0;
            into.set(name, s);
          });
        };
      }
      if (value && typeof value === 'object') return instrument(value, stats, `${name}.`);
      return value;
    },
  });
}

/** `jobs.create 1.0× 2.1 ms, …`: calls per op and mean latency, slowest total first. */
export const describeCalls = (stats: CallStats, ops: number) =>
  [...stats]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([k, v]) => `${k} ${(v.calls / ops).toFixed(1)}x ${(v.ms / v.calls).toFixed(1)} ms`)
    .join(', ');
