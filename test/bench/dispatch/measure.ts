/**
 * What the dispatch benchmark reads off the simulated clusters while the drainers work: every
 * `everyMs` each cluster's request counter and Job creates (in process, not through its API, so
 * the reading costs no request), from which the per-cluster peak request rate over any 1 s window,
 * the Jobs created and the duplicates (a name created more than once) are computed.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { SimCluster } from '../../../infra/sim-cluster/index.js';

export interface Sample {
  at: number;
  requests: number[];
  created: number;
}

export function startSampler(sims: SimCluster[], everyMs = 250) {
  const samples: Sample[] = [];
  const take = () => {
    let created = 0;
    const requests = sims.map((s) => {
      const st = s.stats();
      created += Object.keys(st.creates).length;
      return st.requests;
    });
    samples.push({ at: performance.now(), requests, created });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    created: () => samples.at(-1)?.created ?? 0,
    stop() {
      clearInterval(timer);
      take();
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

/** Names created more than once, summed over clusters, and Jobs per cluster. */
export function createsOf(sims: SimCluster[]): { duplicates: number; perCluster: number[] } {
  let duplicates = 0;
  const perCluster = sims.map((s) => {
    const creates = Object.values(s.stats().creates);
    for (const count of creates) if (count > 1) duplicates += count - 1;
    return creates.length;
  });
  return { duplicates, perCluster };
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
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}
