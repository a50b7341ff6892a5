/**
 * What the dispatch benchmark reads off the simulated clusters while the drainers work: every
 * `everyMs` each cluster's request counter and Job creates (off the clusters themselves, in this
 * process or over IPC from theirs, not through their API, so the reading costs no request), from which the per-cluster peak request rate over any 1 s window,
 * the Jobs created and the duplicates (a name created more than once) are computed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { ChildStat, StatsSource } from './sims-process.js';

export interface Sample {
  at: number;
  requests: number[];
  created: number;
}

export function startSampler(source: StatsSource, everyMs = 250) {
  const samples: Sample[] = [];
  let last: ChildStat[] = [];
  let busy = false;
  const take = async () => {
    if (busy) return;
    busy = true;
    try {
      last = await source();
      const created = last.reduce((a, s) => a + s.created, 0);
      samples.push({ at: performance.now(), requests: last.map((s) => s.requests), created });
    } finally {
      busy = false;
    }
  };
  const ready = take();
  const timer = setInterval(() => void take(), everyMs);
  return {
    ready,
    samples,
    created: () => samples.at(-1)?.created ?? 0,
    async stop() {
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 5));
      await take();
    },
    /** Names created more than once, summed over clusters, and Jobs per cluster (last sample). */
    creates(): { duplicates: number; perCluster: number[] } {
      return {
        duplicates: last.reduce((a, s) => a + s.duplicates, 0),
        perCluster: last.map((s) => s.created),
      };
    },
  };
}

/** Per cluster, the most requests seen in any window of ≥ 1 s between two samples, per second. */
export function peakQps(samples: Sample[]): number[] {
  const n = samples[0]?.requests.length ?? 0;
  const peaks = new Array<number>(n).fill(0);
  for (let i = 0; i < samples.length; i++) {
    let j = i + 1;
    while (j < samples.length && samples[j]!.at - samples[i]!.at < 1000) j++;
    if (j >= samples.length) break;
    const seconds = (samples[j]!.at - samples[i]!.at) / 1000;
    for (let c = 0; c < n; c++) {
      const rate = (samples[j]!.requests[c]! - samples[i]!.requests[c]!) / seconds;
      if (rate > peaks[c]!) peaks[c] = rate;
    }
  }
  return peaks;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** With BENCH_CPU_PROF=<dir>, profiles this process until `stop` (into `<dir>/<name>.cpuprofile`). */
export async function startProfile(name: string): Promise<{ stop(): Promise<void> }> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}
