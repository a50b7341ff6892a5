/** Cluster registry reads, and loading clusters from configuration. */
import type { Principal } from '../domain/principal.js';
import { requireScope } from '../domain/principal.js';
import { notFound } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import type { Cluster } from '../domain/cluster.js';

export type ClusterDefinition = Omit<Cluster, 'version' | 'updatedAt' | 'capacity' | 'state'> & {
  state?: Cluster['state'];
};

export function createClusterService(ctx: CoreContext) {
  return {
    async list(principal: Principal): Promise<Cluster[]> {
      requireScope(principal, 'jobs:read');
      return ctx.store.clusters.list();
    },
    async get(principal: Principal, id: string): Promise<Cluster> {
      requireScope(principal, 'jobs:read');
      const cluster = await ctx.store.clusters.get(id);
      if (!cluster) throw notFound(`cluster ${id}`);
      return cluster;
    },
    /**
     * Registers clusters from configuration, keeping what the store knows that configuration does
     * not say (live capacity, cordon state set through the API).
     */
    async register(defs: readonly ClusterDefinition[]): Promise<void> {
      for (const def of defs) {
        const existing = await ctx.store.clusters.get(def.id);
        await ctx.store.clusters.put({
          ...def,
          state: existing?.state ?? def.state ?? 'active',
          ...(existing?.capacity ? { capacity: existing.capacity } : {}),
          version: existing?.version ?? 1,
          updatedAt: nowIso(ctx),
        });
      }
    },
  };
}

export type ClusterService = ReturnType<typeof createClusterService>;
