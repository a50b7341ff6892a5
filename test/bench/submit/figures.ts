/** Percentiles, round summaries and per-process CPU time for `bench:submit`. */
import { readFileSync } from 'node:fs';

export interface LoadOutput {
  ok: number;
  others: Record<string, number>;
  elapsed: number;
  latencies: number[];
}

export interface Round {
  rate: number;
  p50: number;
  p99: number;
  others: Record<string, number>;
  /** The served process's CPU time (user + system) over the round per answered request, µs. */
  cpuUs?: number;
  /** Of which system (kernel) time, µs. */
  sysUs?: number;
  /** `cpuUs` less the process's CPU rate with no load (measured just before) over the round. */
  netUs?: number;
  /** The main thread's CPU time (the event loop) over the round per answered request, µs. */
  mainUs?: number;
}

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat
 * (fields 14 and 15, in clock ticks of 1/100 s on Linux); undefined where /proc is missing.
 * `mainThread`: its main thread's alone (/proc/<pid>/task/<pid>/stat), the event loop without
 * worker threads (npm start's simulated clusters) and libuv's pool.
 */
export function processCpu(pid: number | undefined, mainThread = false): ProcessCpu | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/${mainThread ? `task/${pid}/` : ''}stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return undefined;
  }
}

export interface ProcessCpu {
  user: number;
  system: number;
}

/** CPU used between two readings (undefined when either is missing). */
export const cpuBetween = (a?: ProcessCpu, b?: ProcessCpu): ProcessCpu | undefined =>
  a && b ? { user: b.user - a.user, system: b.system - a.system } : undefined;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `background`: the process's CPU over 1 s with no load, taken out of `netUs` pro rata. */
export function summarize(
  out: LoadOutput,
  cpu?: ProcessCpu,
  background?: ProcessCpu,
  main?: ProcessCpu,
): Round {
  const sorted = [...out.latencies].sort((a, b) => a - b);
  return {
    rate: out.ok / out.elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    others: out.others,
    ...(cpu !== undefined && out.ok > 0
      ? { cpuUs: ((cpu.user + cpu.system) * 1e6) / out.ok, sysUs: (cpu.system * 1e6) / out.ok }
      : {}),
    ...(cpu !== undefined && background !== undefined && out.ok > 0
      ? {
          netUs:
            ((cpu.user + cpu.system - (background.user + background.system) * out.elapsed) * 1e6) /
            out.ok,
        }
      : {}),
    ...(main !== undefined && out.ok > 0
      ? { mainUs: ((main.user + main.system) * 1e6) / out.ok }
      : {}),
  };
}

export const fmt = (r: Round): string =>
  `${r.rate.toFixed(0).padStart(6)} /s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99
    .toFixed(1)
    .padStart(7)} ms${
    r.cpuUs !== undefined
      ? `  CPU ${r.cpuUs.toFixed(0).padStart(5)} µs/req (sys ${r.sysUs!.toFixed(0)})`
      : ''
  }${Object.keys(r.others).length ? `  non-202: ${JSON.stringify(r.others)}` : ''}`;

interface EventLike {
  at: string;
  state: string;
}

/** Milliseconds from a job's `received` event to its first `submitted` (Kubernetes Job created). */
export function createdAfterMs(events: readonly EventLike[]): number | undefined {
  const received = events.find((e) => e.state === 'received');
  const created = events.find((e) => e.state === 'submitted');
  if (!received || !created) return undefined;
  return Date.parse(created.at) - Date.parse(received.at);
}

export function describeLatency(label: string, ms: readonly number[], missing: number): string {
  const s = [...ms].sort((a, b) => a - b);
  const pct = (p: number) => `${percentile(s, p).toFixed(0)} ms`;
  return `${label}: n=${s.length} p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${pct(100)}${
    missing ? `  (${missing} not yet created)` : ''
  }`;
}
