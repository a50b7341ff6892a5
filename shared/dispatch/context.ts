/**
 * What the dispatch functions share beyond the core context: this instance's routing policy
 * service and its cluster state cache. Built once per control-plane instance (by `createCore`,
 * or by a test), never cached behind the context.
 */
import type { CoreContext } from '../context/core-context.js';
import type { JobPublish } from '../queue/job-publish.js';
import { createPolicyService, type PolicyService } from '../policy/service.js';
import { createClusterStateCache, type ClusterStateCache } from './cluster-state.js';

export interface DispatchContext extends CoreContext {
  policy: PolicyService;
  clusterState: ClusterStateCache;
  /** Present when the store and queue can commit a new job with its message (embedded pair). */
  jobPublish?: JobPublish;
}

/** The dispatch context over `ctx`: its own policy service and cluster state cache. */
export function createDispatchContext(ctx: CoreContext): DispatchContext {
  return {
    ...ctx,
    policy: createPolicyService(ctx),
    clusterState: createClusterStateCache({ store: ctx.store, clock: ctx.clock }),
  };
}
