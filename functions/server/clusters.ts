/**
 * The configured clusters for the Node server: simulated ones are started here (each a real
 * Kubernetes REST endpoint, persisted under the data directory; in a worker thread by default, see
 * sim-host.ts); every cluster gets a client-node driver and a registry definition.
 */
import { join } from 'node:path';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import type { ClusterDriver } from '../../shared/targets/kubernetes/port.js';
import type { ClusterDefinition } from '../../shared/clusters/service.js';
import type { ClusterConfig, SwitchyardConfig } from '../../shared/config/schema.js';
import { resolveKueue } from '../../shared/config/kueue.js';
import type { Target } from '../../shared/targets/port.js';
import { simulatedKinds } from './sim-kinds.js';
import { slurmTargetFor } from './slurm-targets.js';
import {
  startSimulated,
  type HostedSimOptions,
  type SimHosting,
  type SimulatedCluster,
} from './sim-host.js';
import { deploymentIdOf } from '../common/deployment.node.js';

export interface StartedClusters {
  /** The simulated clusters, in config order; `close()` each (embedded.ts does). */
  sims: SimulatedCluster[];
  drivers: Map<string, ClusterDriver>;
  /** Clusters that are not Kubernetes (`connect.slurm`). */
  targets: Map<string, Target>;
  definitions: ClusterDefinition[];
}

export interface ClustersOptions {
  /** Where the simulated clusters run (sim-host.ts); default `worker`, as `npm start` runs them. */
  simulated?: SimHosting;
}

function simPort(config: SwitchyardConfig, c: ClusterConfig, index: number): number {
  const configured = 'simulated' in c.connect ? c.connect.simulated.port : undefined;
  if (configured) return configured;
  return config.server.port === 0 ? 0 : config.server.port + 1 + index;
}

/** What `startSimCluster` is given for a configured simulated cluster. */
function simOptions(
  config: SwitchyardConfig,
  c: ClusterConfig,
  index: number,
  dataDir: string,
): HostedSimOptions | undefined {
  if (!('simulated' in c.connect)) return undefined;
  const resolved = resolveKueue(c);
  return {
    id: c.id,
    host: '127.0.0.1',
    port: simPort(config, c, index),
    dataFile: join(dataDir, 'sim', `${c.id}.db`),
    pools: [
      ...c.pools.map((p) => ({
        accelerator: p.accelerator,
        nodes: p.nodes,
        gpusPerNode: p.gpusPerNode,
      })),
      // A system node without GPUs, as real GPU clusters have, where CPU-only jobs run.
      { accelerator: 'cpu', nodes: 1, gpusPerNode: 0, namePrefix: `${c.id}-system` },
    ],
    defaultDurationSeconds: c.connect.simulated.defaultDurationSeconds,
    ...(c.connect.simulated.operators ? { operators: c.connect.simulated.operators } : {}),
    ...(resolved.sim ? { kueue: resolved.sim } : {}),
  };
}

export async function startClusters(
  config: SwitchyardConfig,
  dataDir: string,
  options: ClustersOptions = {},
): Promise<StartedClusters> {
  const simulated = config.clusters.flatMap((c, i) => simOptions(config, c, i, dataDir) ?? []);
  const sims = await startSimulated(options.simulated ?? 'worker', simulated);
  const started: StartedClusters = {
    sims,
    drivers: new Map(),
    targets: new Map(),
    definitions: [],
  };
  const deployment = deploymentIdOf(config);
  for (const c of config.clusters) {
    let apiUrl: string | undefined;
    // One Kueue setting is enough for a simulated cluster (shared/config/kueue.ts).
    const resolved = resolveKueue(c);
    const kueue = resolved.driver ? { kueue: resolved.driver } : {};
    // The deployment id labels what this server's drainers create and scopes what they follow.
    const driverOpts = { deployment, ...kueue };
    if ('simulated' in c.connect) {
      apiUrl = sims.find((s) => s.id === c.id)!.url;
      started.drivers.set(
        c.id,
        createKubernetesCluster({
          clusterId: c.id,
          kubeconfig: { server: apiUrl },
          ...driverOpts,
        }),
      );
    } else if ('kubeconfig' in c.connect) {
      started.drivers.set(
        c.id,
        createKubernetesCluster({
          clusterId: c.id,
          kubeconfig: c.connect.kubeconfig,
          ...driverOpts,
        }),
      );
    } else if ('inCluster' in c.connect) {
      started.drivers.set(
        c.id,
        createKubernetesCluster({ clusterId: c.id, inCluster: true, ...driverOpts }),
      );
    } else {
      started.targets.set(c.id, slurmTargetFor(c, c.connect.slurm, deployment));
    }
    started.definitions.push({
      id: c.id,
      cloud: c.cloud,
      region: c.region,
      labels: c.labels,
      queue: c.queue ?? c.cloud,
      pools: c.pools,
      ...kueue,
      ...(c.kinds && { kinds: c.kinds }),
      ...(!c.kinds && 'simulated' in c.connect
        ? { kinds: simulatedKinds(c.connect.simulated.operators) }
        : {}),
      ...(apiUrl ? { simulated: { apiUrl } } : {}),
      ...('slurm' in c.connect ? { slurm: { partition: c.connect.slurm.partition } } : {}),
    });
  }
  return started;
}
