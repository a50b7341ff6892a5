/**
 * The response schemas of clusters and what is placed on them: the cluster view, queues, usage
 * against quotas and budgets, the drain report, and who the caller is. Split from ./schemas.ts by
 * what they describe. Edge-safe.
 */
import {
  arr,
  bool,
  int,
  listOf,
  map,
  nullable,
  num,
  obj,
  ref,
  str,
  time,
  type JsonSchema,
} from './schema-builders.js';

/** Adds these component schemas to `c`, in document order (nested zod definitions land there too). */
export function clusterSchemas(c: Record<string, JsonSchema>): void {
  c.Cluster = obj({
    id: str(),
    cloud: str(),
    region: str(),
    labels: map(str()),
    queue: str(),
    kind: {
      type: 'string',
      enum: ['kubernetes', 'slurm'],
      description: 'what runs its jobs: a Kubernetes API, or a Slurm cluster through slurmrestd',
    },
    partition: {
      ...nullable(str()),
      description: 'the Slurm partition jobs go to (null: not Slurm)',
    },
    status: { type: 'string', enum: ['active', 'cordoned', 'draining', 'offline'] },
    accelerators: arr(
      obj({
        type: str(),
        nodes: int(),
        gpusPerNode: int(),
        totalGpus: int(),
        freeGpus: {
          ...nullable(int()),
          description: 'null while the cluster is offline: unknown until its next heartbeat',
        },
        costPerGpuHour: nullable(num()),
      }),
    ),
    kinds: {
      ...arr({ type: 'string', enum: ['job', 'jobset', 'pytorchjob', 'rayjob'] }),
      description:
        "workload kinds the cluster runs (job always; jobset, pytorchjob, rayjob where their operators are installed): from its drainer's last discovery, else its configuration; only job while kindsKnown is false",
    },
    kindsKnown: {
      ...bool(),
      description:
        'false while a Kubernetes cluster that declares no kinds has not reported yet: it runs Jobs, and a jobset, pytorchjob or rayjob placed on it waits for its report',
    },
    kueue: {
      ...obj({ installed: bool(), localQueue: nullable(str()) }),
      description:
        'whether the cluster serves kueue.x-k8s.io, and the LocalQueue configured for its workloads (null: none)',
    },
    capacityKnown: {
      ...bool(),
      description:
        'false while the cluster is offline (no heartbeat within the timeout): its GPUs are not placeable',
    },
    lastHeartbeat: nullable(time()),
    simulated: nullable(obj({ apiUrl: str() })),
  });
  c.ClusterList = listOf('Cluster');
  c.QueueList = obj({
    items: arr(
      obj({
        queue: str(),
        clusters: arr(str()),
        waiting: int(),
        oldestWaitingSince: nullable(time()),
        started: int(),
      }),
    ),
    pending: int(),
    truncated: { type: 'boolean' },
  });
  c.Whoami = obj({ tenantId: str(), tokenId: str(), projects: arr(str()), scopes: arr(str()) });
  c.Usage = obj({
    items: arr(
      obj({
        id: str(),
        kind: { type: 'string', enum: ['tenant', 'project'] },
        tenantId: str(),
        project: nullable(str()),
        gpus: arr(obj({ type: str(), inUse: int(), quota: nullable(int()) })),
        cost: obj({
          perHour: {
            type: 'number',
            description: "placed jobs' GPUs × their pool's costPerGpuHour",
          },
          budget: nullable({ type: 'number', description: "the policy's maxCostPerHour" }),
          currency: str(),
        }),
      }),
    ),
  });
  c.DrainReport = obj({
    cluster: ref('Cluster'),
    moved: arr(obj({ jobId: str(), state: str(), clusterId: nullable(str()) })),
    remaining: arr(obj({ jobId: str(), state: str() })),
  });
}
