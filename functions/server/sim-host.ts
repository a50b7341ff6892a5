/**
 * Where `npm start`'s simulated clusters run. `worker` (the default): all of them in one worker
 * thread (sim-worker.ts), so Switchyard's event loop serves only Switchyard and the simulator — a
 * stand-in for clusters that are other machines — uses another core; each handle talks to the
 * thread by message. `in-process`: on the caller's own event loop, as before.
 */
import { startTsWorker } from '../../shared/base/ts-worker.node.js';
import { AppError } from '../../shared/base/errors.js';
import {
  startSimCluster,
  type SimCluster,
  type SimClusterOptions,
  type SimFaults,
  type SimStats,
} from '../../infra/sim-cluster/index.js';

export type SimHosting = 'worker' | 'in-process';
const SIM_HOSTINGS: readonly string[] = ['worker', 'in-process'];

/** `npm start`'s choice: SWITCHYARD_SIMULATED (`worker` when unset). */
export function simHostingFromEnv(env: Record<string, string | undefined>): SimHosting {
  const v = env.SWITCHYARD_SIMULATED;
  if (v === undefined || v === '') return 'worker';
  if (SIM_HOSTINGS.includes(v)) return v as SimHosting;
  throw new AppError(
    'INVALID_CONFIG',
    `environment variable SWITCHYARD_SIMULATED must be worker or in-process, got "${v}"`,
  );
}

/** One simulated cluster, wherever it runs; the same as its `/sim/stats` and `/sim/faults`. */
export interface SimulatedCluster {
  readonly id: string;
  /** e.g. http://127.0.0.1:34567 */
  readonly url: string;
  stats(): Promise<SimStats>;
  setFaults(f: SimFaults): Promise<void>;
  /** Stops it (the port is free, its data file closed); the worker ends with its last cluster. */
  close(): Promise<void>;
}

/** Serializable options: everything but `log`, which cannot cross to another thread. */
export type HostedSimOptions = Omit<SimClusterOptions, 'log'>;

// Protocol with sim-worker.ts.
export interface SimWorkerStart {
  clusters: HostedSimOptions[];
}
export type SimWorkerAsk = { id: string } & (
  { op: 'stats' } | { op: 'faults'; faults: SimFaults } | { op: 'close' }
);
export type SimWorkerRequest = SimWorkerAsk & { seq: number };
/** An error as plain data: structured clone keeps only name, message and stack of an Error. */
export interface ErrorFields {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
}
export type FromWorker =
  | { type: 'ready'; clusters: Array<{ id: string; url: string }> }
  | { type: 'failed'; error: ErrorFields }
  | { type: 'reply'; seq: number; ok: true; value: unknown }
  | { type: 'reply'; seq: number; ok: false; error: ErrorFields };

export function errorFields(e: unknown): ErrorFields {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const { code, errno, syscall, address, port } = e as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  return {
    name: e.name,
    message: e.message,
    ...(e.stack !== undefined && { stack: e.stack }),
    ...(code !== undefined && { code }),
    ...(errno !== undefined && { errno }),
    ...(syscall !== undefined && { syscall }),
    ...(address !== undefined && { address }),
    ...(port !== undefined && { port }),
  };
}

/** The worker's error again, with its code, address and port (main.ts words EADDRINUSE with them). */
function toError(f: ErrorFields): Error {
  return Object.assign(new Error(f.message), f);
}

export async function startSimulated(
  hosting: SimHosting,
  clusters: HostedSimOptions[],
): Promise<SimulatedCluster[]> {
  if (hosting === 'worker') return startInWorker(clusters);
  const sims: SimCluster[] = [];
  try {
    for (const options of clusters) sims.push(await startSimCluster(options));
  } catch (error) {
    await Promise.allSettled(sims.map((s) => s.close()));
    throw error;
  }
  return sims.map(inProcess);
}

/** The async handle of a cluster on this event loop. */
export function inProcess(sim: SimCluster): SimulatedCluster {
  return {
    id: sim.id,
    url: sim.url,
    stats: () => Promise.resolve(sim.stats()),
    setFaults: (f) => Promise.resolve(sim.setFaults(f)),
    close: () => sim.close(),
  };
}

async function startInWorker(clusters: HostedSimOptions[]): Promise<SimulatedCluster[]> {
  if (clusters.length === 0) return [];
  const start: SimWorkerStart = { clusters };
  const worker = startTsWorker(new URL('./sim-worker.ts', import.meta.url), { workerData: start });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let gone: Error | undefined;
  const exited = new Promise<void>((done) => worker.once('exit', () => done()));
  const fail = (e: Error) => {
    gone ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const ready = new Promise<FromWorker & { type: 'ready' }>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') return resolve(m);
      if (m.type === 'failed') return reject(toError(m.error));
      const p = pending.get(m.seq);
      pending.delete(m.seq);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(toError(m.error));
    });
    worker.on('error', (e) => {
      reject(e);
      if (gone) return;
      process.stderr.write(`switchyard: the simulated clusters' worker failed: ${e.stack}\n`);
      fail(e);
    });
    worker.once('exit', (code) => {
      const e = new Error(`the simulated clusters' worker exited (code ${code})`);
      reject(e);
      fail(e);
    });
  });
  let started: FromWorker & { type: 'ready' };
  try {
    started = await ready;
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  let seq = 0;
  const ask = (r: SimWorkerAsk): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (gone) return reject(gone);
      const n = ++seq;
      pending.set(n, { resolve, reject });
      worker.postMessage({ ...r, seq: n });
    });
  let open = started.clusters.length;
  const closing = new Map<string, Promise<void>>();
  const closeOne = async (id: string) => {
    if (!gone) await ask({ id, op: 'close' });
    if (--open > 0) return;
    await worker.terminate();
    await exited;
  };
  return started.clusters.map(({ id, url }) => ({
    id,
    url,
    stats: async () => (await ask({ id, op: 'stats' })) as SimStats,
    setFaults: async (faults) => void (await ask({ id, op: 'faults', faults })),
    close() {
      if (!closing.has(id)) closing.set(id, closeOne(id));
      return closing.get(id)!;
    },
  }));
}
