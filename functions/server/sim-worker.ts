/**
 * The simulated clusters' worker thread (started by sim-host.ts through `startTsWorker`): starts each cluster of
 * `workerData` with `startSimCluster`, reports their URLs, then answers the host's stats, faults and
 * close requests (protocol in sim-host.ts). A failed start closes the clusters already started and
 * reports the error, with its code, address and port, so the caller's start rejects with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSimCluster, type SimCluster } from '../../infra/sim-cluster/index.js';
import {
  errorFields,
  type FromWorker,
  type SimWorkerRequest,
  type SimWorkerStart,
} from './sim-host.js';

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

async function startAll(start: SimWorkerStart): Promise<Map<string, SimCluster>> {
  const sims = new Map<string, SimCluster>();
  try {
    // One at a time, as in-process: a configured port that is taken names that cluster's port.
    for (const options of start.clusters) sims.set(options.id, await startSimCluster(options));
  } catch (error) {
    await Promise.allSettled([...sims.values()].map((s) => s.close()));
    throw error;
  }
  return sims;
}

async function answer(sims: Map<string, SimCluster>, m: SimWorkerRequest): Promise<unknown> {
  const sim = sims.get(m.id);
  if (!sim) throw new Error(`no simulated cluster ${m.id} in this worker (closed already?)`);
  if (m.op === 'stats') return sim.stats();
  if (m.op === 'faults') return sim.setFaults(m.faults);
  await sim.close();
  sims.delete(m.id);
  return undefined;
}

async function main(): Promise<void> {
  let sims: Map<string, SimCluster>;
  try {
    sims = await startAll(workerData as SimWorkerStart);
  } catch (error) {
    post({ type: 'failed', error: errorFields(error) });
    return;
  }
  port.on('message', (m: SimWorkerRequest) => {
    answer(sims, m).then(
      (value) => post({ type: 'reply', seq: m.seq, ok: true, value }),
      (error: unknown) => post({ type: 'reply', seq: m.seq, ok: false, error: errorFields(error) }),
    );
  });
  post({ type: 'ready', clusters: [...sims.values()].map((s) => ({ id: s.id, url: s.url })) });
}

void main();
