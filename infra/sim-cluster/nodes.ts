/** Simulated GPU nodes built from node pools, and the small helpers that read their capacity. */
import type { SimNodePool } from './options.js';
import type { Store } from './store.js';
import type { NodeObject } from './types.js';

export const GPU = 'nvidia.com/gpu';
export const SIM_VERSION = 'v1.32.0-switchyard-sim';

export function nodeName(clusterId: string, pool: SimNodePool, index: number): string {
  const prefix = pool.namePrefix ?? `${clusterId}-${pool.accelerator}`;
  return `${prefix}-${index}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

/** A pool with `gpusPerNode: 0` is a plain CPU pool: no GPU labels, resources or taint. */
function buildNode(clusterId: string, pool: SimNodePool, index: number, ip: string): NodeObject {
  const name = nodeName(clusterId, pool, index);
  const gpu = pool.gpusPerNode > 0;
  const resources: Record<string, string> = {
    cpu: pool.cpu ?? '32',
    memory: pool.memory ?? '256Gi',
    pods: '110',
    ...(gpu ? { [GPU]: String(pool.gpusPerNode) } : {}),
    'ephemeral-storage': '500Gi',
  };
  const gpuLabels: Record<string, string> = gpu
    ? {
        'switchyard.io/accelerator': pool.accelerator,
        'nvidia.com/gpu.product': pool.accelerator,
        'nvidia.com/gpu.count': String(pool.gpusPerNode),
      }
    : {};
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'switchyard.io/simulated': 'true',
        ...gpuLabels,
      },
      annotations: { 'switchyard.io/simulated-cluster': clusterId },
    },
    spec: gpu ? { taints: [{ key: GPU, value: 'present', effect: 'NoSchedule' }] } : {},
    status: {
      capacity: resources,
      allocatable: { ...resources },
      conditions: [],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: SIM_VERSION,
        containerRuntimeVersion: 'simulated://1.0',
        osImage: 'Switchyard simulated node',
        operatingSystem: 'linux',
        architecture: 'amd64',
        kernelVersion: 'simulated',
      },
    },
  };
}

/** Creates the pools' nodes that are missing and removes this cluster's nodes no pool describes. */
export function syncNodes(store: Store, clusterId: string, pools: SimNodePool[], now: Date): void {
  const wanted = new Map<string, NodeObject>();
  let ip = 10;
  for (const pool of pools) {
    for (let i = 0; i < pool.nodes; i++) {
      const node = buildNode(clusterId, pool, i, `10.0.0.${ip++}`);
      wanted.set(node.metadata.name, node);
    }
  }
  for (const existing of store.list<NodeObject>('Node')) {
    if (!wanted.has(existing.metadata.name)) store.delete('Node', '', existing.metadata.name);
  }
  for (const [name, node] of wanted) {
    const existing = store.get<NodeObject>('Node', '', name);
    const ready = {
      type: 'Ready',
      status: 'True' as const,
      reason: 'KubeletReady',
      message: 'simulated kubelet is posting ready status',
      lastHeartbeatTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    if (existing) {
      existing.metadata.labels = node.metadata.labels;
      existing.spec = node.spec;
      // An upgraded node keeps its kubelet version across a restart of the simulator.
      const nodeInfo = existing.status.nodeInfo ?? node.status.nodeInfo;
      existing.status = { ...node.status, conditions: existing.status.conditions, nodeInfo };
      store.update('Node', existing);
    } else {
      node.status.conditions = [ready];
      store.create('Node', node, now);
    }
  }
}

export function nodeGpus(node: NodeObject): number {
  return Number(node.status.allocatable[GPU] ?? 0) || 0;
}

export function nodeReady(node: NodeObject): boolean {
  return node.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
