/**
 * A simulated Kubernetes API server (namespaces, GPU nodes, batch/v1 Jobs, pods, watch, faults)
 * that the real `@kubernetes/client-node` and `kubectl` speak to over plain HTTP. Node only.
 */
export { startSimCluster } from './server.js';
export type { SimCluster, SimClusterOptions, SimFaults, SimNodePool, SimStats } from './options.js';
export { startSimClusters, type SimClusters } from './many.js';
