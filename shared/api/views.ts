/** Public representations: what the API shows of stored records (never secrets). */
import type { Cluster } from '../domain/cluster.js';
import { freeGpus, isOffline } from '../placement/place.js';
import { kindsOf } from '../placement/gang.js';
import type { Job } from '../domain/job.js';
import { attemptsView } from '../domain/retry.js';

/** Where a job came from: the API (a token), an inbound hook or a schedule, with that one's id. */
export function jobOrigin(submittedBy: string): { kind: 'api' | 'hook' | 'schedule'; id: string } {
  for (const kind of ['hook', 'schedule'] as const) {
    if (submittedBy.startsWith(`${kind}:`)) return { kind, id: submittedBy.slice(kind.length + 1) };
  }
  return { kind: 'api', id: submittedBy };
}
import { callbackView } from '../jobs/redact.js';

export function jobView(job: Job) {
  const { callback, ...spec } = job.spec;
  return {
    id: job.id,
    state: job.state,
    name: spec.name,
    project: spec.project,
    // `spec` is already a copy (the rest above); only a callback needs another.
    spec: callback ? { ...spec, callback: callbackView(callback, job.createdAt) } : spec,
    origin: jobOrigin(job.submittedBy),
    clusterId: job.placement?.clusterId ?? null,
    kubernetes: job.placement
      ? {
          namespace: job.placement.namespace,
          name: job.placement.kubeName,
          attempt: job.placement.attempt,
        }
      : null,
    targetJobId: job.placement?.targetJobId ?? null,
    decision: job.decision ?? null,
    result: job.result ?? null,
    attempts: attemptsView(job),
    replicas: job.replicas ?? [],
    ...(job.retryAt && job.state === 'pending' ? { retryAt: job.retryAt } : {}),
    // The W3C trace id its log lines, workloads and webhooks carry (null: a job from before traces).
    traceId: job.traceId ?? null,
    // `Object.assign`, not `{ ...e, traceId }`: adding a key to a spread copy is a slow path in V8.
    events: job.traceId
      ? job.events.map((e) => Object.assign({}, e, { traceId: job.traceId }))
      : job.events,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(job.idempotencyKey ? { idempotencyKey: job.idempotencyKey } : {}),
  };
}

export function clusterView(cluster: Cluster, now: number, heartbeatTimeoutMs: number) {
  const types = [...new Set(cluster.pools.map((p) => p.accelerator))].sort();
  // Silent past the heartbeat timeout: its last report says nothing about now, and placement
  // skips it, so its free GPUs are unknown until the next heartbeat.
  const offline = isOffline(cluster, now, heartbeatTimeoutMs);
  return {
    id: cluster.id,
    cloud: cluster.cloud,
    region: cluster.region,
    labels: cluster.labels,
    queue: cluster.queue,
    kind: cluster.slurm ? 'slurm' : 'kubernetes',
    partition: cluster.slurm?.partition ?? null,
    status: cluster.state === 'active' && offline ? 'offline' : cluster.state,
    accelerators: types.map((type) => {
      const pools = cluster.pools.filter((p) => p.accelerator === type);
      const live = cluster.capacity?.accelerators[type];
      return {
        type,
        nodes: pools.reduce((n, p) => n + p.nodes, 0),
        gpusPerNode: Math.max(...pools.map((p) => p.gpusPerNode)),
        totalGpus: live?.total ?? pools.reduce((n, p) => n + p.nodes * p.gpusPerNode, 0),
        freeGpus: offline ? null : freeGpus({ cluster, committedGpus: {} }, type),
        costPerGpuHour: pools[0]?.costPerGpuHour ?? null,
      };
    }),
    // What the cluster runs, as placement sees it (placement/gang.ts `kindsOf`): its last report's,
    // else its configuration's; a Kubernetes cluster that has neither runs Jobs, and whether it
    // runs the gang kinds is not known until it reports (`kindsKnown: false`).
    kinds: kindsOf(cluster) ?? ['job'],
    kindsKnown: kindsOf(cluster) !== undefined,
    kueue: {
      installed: cluster.capacity?.kueue ?? false,
      localQueue: cluster.kueue?.localQueue ?? null,
    },
    capacityKnown: !offline,
    lastHeartbeat: cluster.capacity?.reportedAt ?? null,
    simulated: cluster.simulated ? { apiUrl: cluster.simulated.apiUrl } : null,
  };
}
