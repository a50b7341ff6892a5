/**
 * Many simulated clusters in one process (the dispatch benchmark runs 100): each is its own API
 * server on its own port with its own store, started together and closed together. A sim's
 * per-event tick and in-memory store keep the process's cost proportional to what happens.
 */
import type { SimCluster, SimClusterOptions } from './options.js';
import { startSimCluster } from './server.js';

export interface SimClusters {
  clusters: SimCluster[];
  close(): Promise<void>;
}

/** Starts `n` clusters; `options(i)` describes the i-th (0-based). All close if one fails. */
export async function startSimClusters(
  n: number,
  options: (index: number) => SimClusterOptions,
): Promise<SimClusters> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`need n >= 1 clusters, got ${n}`);
  const settled = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => startSimCluster(options(i))),
  );
  const clusters = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const close = async () => void (await Promise.all(clusters.map((c) => c.close())));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason;
  }
  return { clusters, close };
}
