/**
 * The dispatch benchmark's simulated clusters in a process of their own (`BENCH_SIMS=process`), so
 * the measured process runs Switchyard (API, store, queue, dispatcher, drainers and their
 * client-node requests), not the simulator's API servers, stores and controllers. Started by
 * `sims-process.ts` with IPC: it sends `{ ready, clusters: [{ id, url }] }`, answers each `stats`
 * message with every cluster's request counter, Jobs created and duplicate creates, and exits on
 * `close`; a `cpu` message gets this process's CPU time so far (µs). Argv: the number of clusters, then their ids' prefix.
 */
import { startSimClusters } from '../../../infra/sim-cluster/many.js';
import { statOf } from './sims-process.js';

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  const ids = Array.from({ length: n }, (_, i) => `c${String(i).padStart(3, '0')}`);
  const sims = await startSimClusters(n, (i) => ({
    id: ids[i]!,
    host: '127.0.0.1',
    port: 0,
    pools: [
      { accelerator: 'nvidia-a100', nodes: 8, gpusPerNode: 8 },
      { accelerator: 'cpu', nodes: 1, gpusPerNode: 0, namePrefix: `${ids[i]}-system` },
    ],
    defaultDurationSeconds: 3600,
  }));
  process.on('message', (m: { type: string; seq?: number }) => {
    if (m.type === 'stats')
      process.send!({ type: 'stats', seq: m.seq, stats: sims.clusters.map(statOf) });
    if (m.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ type: 'cpu', seq: m.seq, micros: user + system });
    }
    if (m.type === 'close') void sims.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => void sims.close().then(() => process.exit(0)));
  process.send!({ type: 'ready', clusters: sims.clusters.map((s) => ({ id: s.id, url: s.url })) });
}

void main();
