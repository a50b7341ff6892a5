/**
 * Cluster administration: register or update a cluster, cordon, drain and uncordon it. Cordon
 * stops new work; drain also moves work that was dispatched there but not yet created, and says
 * what is still running there — the steps of a zero-downtime upgrade.
 */
import { z } from 'zod';
import type { Principal } from '../domain/principal.js';
import { requireScope } from '../domain/principal.js';
import { AppError, notFound } from '../base/errors.js';
import type { DispatchContext } from './context.js';
import { nowIso } from '../context/core-context.js';
import { jobsPlacedOn, replaceAway } from './failover.js';
import { mutateCluster } from '../clusters/mutate.js';
import { issuesOf, fieldsError } from '../base/validation.js';
import type { Cluster, ClusterAdminState } from '../domain/cluster.js';
import { WORKLOAD_KINDS } from '../domain/job.js';

const clusterIdPattern = /^[a-z0-9]([-a-z0-9]{1,61}[a-z0-9])$/;

export const clusterBodySchema = z.strictObject({
  cloud: z.string().regex(/^[a-z0-9-]{2,32}$/, 'cloud is 2-32 lower-case letters, digits or -'),
  region: z.string().min(1).max(64),
  labels: z.record(z.string().max(63), z.string().max(63)).default({}),
  queue: z
    .string()
    .regex(clusterIdPattern, 'queue is 3-63 lower-case letters, digits or -')
    .optional(),
  pools: z
    .array(
      z.strictObject({
        accelerator: z.string().regex(/^[a-z0-9][-a-z0-9.]{0,62}$/),
        nodes: z.int().min(1).max(10_000),
        gpusPerNode: z.int().min(1).max(64),
        costPerGpuHour: z.number().nonnegative().optional(),
      }),
    )
    .min(1),
  /** Workload kinds it runs until its drainer reports what it discovered; absent: `job` only. */
  kinds: z
    .array(z.enum(WORKLOAD_KINDS, { error: `kinds are ${WORKLOAD_KINDS.join(', ')}` }))
    .min(1)
    .max(WORKLOAD_KINDS.length)
    .optional(),
});

export interface DrainReport {
  cluster: Cluster;
  /** Jobs moved elsewhere (or back to pending when nothing else has room). */
  moved: Array<{ jobId: string; state: string; clusterId: string | null }>;
  /** Jobs still running or created there; they finish where they are. */
  remaining: Array<{ jobId: string; state: string }>;
}

export function createClusterAdmin(ctx: DispatchContext) {
  async function setState(
    principal: Principal,
    id: string,
    state: ClusterAdminState,
  ): Promise<Cluster> {
    requireScope(principal, 'clusters:admin');
    const result = await mutateCluster(ctx, id, (c) =>
      c.state === state ? undefined : { ...c, state, updatedAt: nowIso(ctx) },
    );
    if (!result) throw notFound(`cluster ${id}`);
    if (result.changed) {
      ctx.clusterState.forget();
      ctx.log.info('cluster state', { cluster: id, state, by: principal.tokenId });
    }
    return result.cluster;
  }

  async function upsert(
    principal: Principal,
    id: string,
    body: unknown,
  ): Promise<{ cluster: Cluster; created: boolean }> {
    requireScope(principal, 'clusters:admin');
    if (!clusterIdPattern.test(id)) {
      throw new AppError('BAD_REQUEST', 'a cluster id is 3-63 lower-case letters, digits or -');
    }
    const parsed = clusterBodySchema.safeParse(body);
    if (!parsed.success) {
      const fields = issuesOf(parsed.error);
      throw fieldsError('BAD_REQUEST', 'the cluster is not valid', fields);
    }
    const existing = await ctx.store.clusters.get(id);
    const def = parsed.data;
    const cluster = await ctx.store.clusters.put({
      id,
      cloud: def.cloud,
      region: def.region,
      labels: def.labels,
      queue: def.queue ?? def.cloud,
      pools: def.pools,
      ...(def.kinds && { kinds: def.kinds }),
      state: existing?.state ?? 'active',
      ...(existing?.capacity ? { capacity: existing.capacity } : {}),
      ...(existing?.simulated ? { simulated: existing.simulated } : {}),
      version: existing?.version ?? 1,
      updatedAt: nowIso(ctx),
    });
    ctx.clusterState.forget(); // the next decision here sees the new pools and kinds
    return { cluster, created: !existing };
  }

  const jobsOn = (clusterId: string) => jobsPlacedOn(ctx, clusterId);

  async function drain(principal: Principal, id: string): Promise<DrainReport> {
    const cluster = await setState(principal, id, 'draining');
    const moved: DrainReport['moved'] = [];
    for (const job of (await jobsOn(id)).filter((j) => j.state === 'dispatched')) {
      const after = await replaceAway(
        ctx,
        job.id,
        id,
        'ClusterDraining',
        `cluster ${id} is draining`,
        ctx.settings.maxPlacementAttempts + 1,
      );
      moved.push({
        jobId: after.id,
        state: after.state,
        clusterId: after.placement?.clusterId ?? null,
      });
    }
    const remaining = (await jobsOn(id)).map((j) => ({ jobId: j.id, state: j.state }));
    return { cluster, moved, remaining };
  }

  return {
    upsert,
    drain,
    cordon: (p: Principal, id: string) => setState(p, id, 'cordoned'),
    uncordon: (p: Principal, id: string) => setState(p, id, 'active'),
    jobsOn,
  };
}

export type ClusterAdmin = ReturnType<typeof createClusterAdmin>;
