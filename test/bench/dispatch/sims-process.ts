/**
 * Starts `sims-child.ts` (the simulated clusters in their own process) and reads its figures over
 * IPC; `inProcessStats` reads the same figures off clusters hosted in this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SimCluster, SimStats } from '../../../infra/sim-cluster/index.js';
import type { SimulatedCluster } from '../../../functions/server/sim-host.js';

/** One cluster's figures: requests served, Jobs created (names), duplicate creates. */
export interface ChildStat {
  requests: number;
  created: number;
  duplicates: number;
}

export function statOf(sim: SimCluster): ChildStat {
  return statFrom(sim.stats());
}

function statFrom(st: SimStats): ChildStat {
  let created = 0;
  let duplicates = 0;
  for (const count of Object.values(st.creates)) {
    created++;
    if (count > 1) duplicates += count - 1;
  }
  return { requests: st.requests, created, duplicates };
}

export type StatsSource = () => Promise<ChildStat[]>;

export function inProcessStats(sims: SimulatedCluster[]): StatsSource {
  return () => Promise.all(sims.map(async (s) => statFrom(await s.stats())));
}

export interface SimsProcess {
  clusters: Array<{ id: string; url: string }>;
  stats: StatsSource;
  /** CPU time (user + system, µs) the simulated clusters' process has used so far. */
  cpu(): Promise<number>;
  close(): Promise<void>;
}

export async function startSimsProcess(n: number): Promise<SimsProcess> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'sims-child.ts'), [String(n)], {
    // BENCH_SIMS_CPU_PROF=<dir> writes a .cpuprofile of the simulated clusters' process on exit.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_SIMS_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SIMS_CPU_PROF}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('exit', (code, signal) => {
    if (code !== 0) console.error(`simulated clusters' process exited: ${code ?? signal}`);
  });
  const waiting = new Map<number, (s: ChildStat[]) => void>();
  const waitingCpu = new Map<number, (micros: number) => void>();
  let seq = 0;
  const clusters = await new Promise<SimsProcess['clusters']>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulated clusters' process exited ${code}`)));
    child.on(
      'message',
      (m: {
        type: string;
        seq?: number;
        stats?: ChildStat[];
        micros?: number;
        clusters?: SimsProcess['clusters'];
      }) => {
        if (m.type === 'ready') resolve(m.clusters!);
        if (m.type === 'cpu') {
          waitingCpu.get(m.seq!)?.(m.micros!);
          waitingCpu.delete(m.seq!);
        }
        if (m.type !== 'stats') return;
        waiting.get(m.seq!)?.(m.stats!);
        waiting.delete(m.seq!);
      },
    );
  });
  return {
    clusters,
    stats: () =>
      new Promise((resolve) => {
        const id = ++seq;
        waiting.set(id, resolve);
        child.send({ type: 'stats', seq: id });
      }),
    cpu: () =>
      new Promise((resolve) => {
        const id = ++seq;
        waitingCpu.set(id, resolve);
        child.send({ type: 'cpu', seq: id });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'close' });
      }),
  };
}
