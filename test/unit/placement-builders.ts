// Builders for placement, admission and policy tests.
import type { Cluster } from '../../shared/domain/cluster.js';
import type { JobSpec } from '../../shared/domain/job.js';
import type { ClusterSnapshot } from '../../shared/placement/place.js';
import { compilePolicy, type CompiledPolicy } from '../../shared/policy/compile.js';
import { parsePolicy } from '../../shared/policy/schema.js';

export const NOW = Date.parse('2026-11-28T12:00:00Z');
export const HEARTBEAT_MS = 60_000;

export function aCluster(id: string, over: Partial<Cluster> = {}): Cluster {
  return {
    id,
    cloud: 'aws',
    region: 'us-east-1',
    labels: {},
    queue: id,
    state: 'active',
    pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8 }],
    version: 1,
    updatedAt: new Date(NOW).toISOString(),
    ...over,
  };
}

/** A cluster whose live report says `free` GPUs of each of its pools' types are free. */
export function reporting(c: Cluster, free: number, ageMs = 0): Cluster {
  return {
    ...c,
    capacity: {
      reportedAt: new Date(NOW - ageMs).toISOString(),
      accelerators: Object.fromEntries(
        c.pools.map((p) => [
          p.accelerator,
          {
            total: p.nodes * p.gpusPerNode,
            free,
            maxFreePerNode: Math.min(p.gpusPerNode, free),
          },
        ]),
      ),
    },
  };
}

export const snap = (
  cluster: Cluster,
  committed: Record<string, number> = {},
): ClusterSnapshot => ({
  cluster,
  committedGpus: committed,
});

export function aSpec(over: Partial<JobSpec> & { gpus?: number; type?: string } = {}): JobSpec {
  const { gpus = 1, type = 'nvidia-a100', ...rest } = over;
  return {
    name: 'train',
    project: 'research',
    image: 'busybox',
    env: {},
    resources: gpus > 0 ? { accelerator: { type, count: gpus } } : {},
    priority: 100,
    labels: {},
    ...rest,
  };
}

export const policyOf = (doc: Record<string, unknown>): CompiledPolicy =>
  compilePolicy(parsePolicy({ version: 'v1', ...doc }));
