/**
 * One Kueue setting per simulated cluster. The driver needs the LocalQueue its workloads go to
 * (cluster `kueue.localQueue`); a simulated cluster needs Kueue installed with a quota
 * (`connect.simulated.kueue`). Either one implies the other: a simulated Kueue's LocalQueue is
 * the one the driver uses, and a cluster-level `kueue` on a simulated cluster installs a
 * simulated Kueue with that LocalQueue and a quota of every GPU in its pools. Pure, edge-safe.
 */

/** The simulated Kueue's LocalQueue when none is named (infra/sim-cluster/workloads/kueue.ts). */
export const SIM_DEFAULT_LOCAL_QUEUE = 'user-queue';

interface KueueClusterConfig {
  pools: { nodes: number; gpusPerNode: number }[];
  kueue?: { localQueue: string } | undefined;
  connect: object;
}

interface SimKueue {
  gpuQuota: number;
  clusterQueue?: string | undefined;
  localQueue?: string | undefined;
}

function simulatedKueueOf(c: KueueClusterConfig): { simulated: true; kueue?: SimKueue } | null {
  if (!('simulated' in c.connect)) return null;
  const sim = c.connect.simulated as { kueue?: SimKueue };
  return sim.kueue ? { simulated: true, kueue: sim.kueue } : { simulated: true };
}

/** What the driver and (for a simulated cluster) the simulated Kueue get. */
export function resolveKueue(c: KueueClusterConfig): {
  driver?: { localQueue: string };
  sim?: { gpuQuota: number; clusterQueue?: string; localQueue: string };
} {
  const sim = simulatedKueueOf(c);
  if (!sim) return c.kueue ? { driver: { localQueue: c.kueue.localQueue } } : {};
  if (sim.kueue) {
    const localQueue = c.kueue?.localQueue ?? sim.kueue.localQueue ?? SIM_DEFAULT_LOCAL_QUEUE;
    return {
      driver: { localQueue },
      sim: {
        gpuQuota: sim.kueue.gpuQuota,
        ...(sim.kueue.clusterQueue ? { clusterQueue: sim.kueue.clusterQueue } : {}),
        localQueue,
      },
    };
  }
  if (!c.kueue) return {};
  const gpuQuota = c.pools.reduce((sum, p) => sum + p.nodes * p.gpusPerNode, 0);
  return { driver: { ...c.kueue }, sim: { gpuQuota, localQueue: c.kueue.localQueue } };
}

/** Why the two settings contradict each other, or undefined when they agree. */
export function kueueConflict(c: KueueClusterConfig): string | undefined {
  const sim = simulatedKueueOf(c);
  const simQueue = sim?.kueue?.localQueue;
  if (c.kueue && simQueue && simQueue !== c.kueue.localQueue) {
    return `kueue.localQueue (${c.kueue.localQueue}) and connect.simulated.kueue.localQueue (${simQueue}) differ: set one of them (either one is enough for a simulated cluster)`;
  }
  return undefined;
}
