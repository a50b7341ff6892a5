// Two one-node A100 clusters, `cheap` ($1/GPU-hour) and `dear` ($5), registered on a memory store and
// queue with a clock the test moves and short heartbeat timeouts: the in-process set-up of the
// recovery and restart tests, which drive the control plane by hand.
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import type { ControlPlane } from '../../shared/protocol/control-port.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { dispatchOf } from './dispatch-context.js';

export const admin: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_admin',
  scopes: new Set(SCOPES),
  projects: ['*'],
};

export async function pricedClusters() {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: () => now };
  const ctx: CoreContext = {
    store: createMemoryStore({ clock }),
    queue: createMemoryQueue({ clock }),
    clock,
    settings: { ...defaultCoreSettings, heartbeatTimeoutMs: 5_000, offlineGraceMs: 5_000 },
    log: { info: () => {}, warn: () => {}, error: () => {} },
  };
  await createClusterService(ctx).register(
    [
      ['cheap', 1],
      ['dear', 5],
    ].map(([id, cost]) => ({
      id: id as string,
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      pools: [
        { accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8, costPerGpuHour: cost as number },
      ],
    })),
  );
  const at = () => new Date(now).toISOString();
  /** An idle 8-GPU heartbeat of cluster `id`, at the test's time. */
  const beat = (control: Pick<ControlPlane, 'heartbeat'>, id: string) =>
    control.heartbeat(id, {
      reportedAt: at(),
      accelerators: { 'nvidia-a100': { total: 8, free: 8, maxFreePerNode: 8 } },
    });
  const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
  return { ctx, jobs, at, beat, now: () => now, advance: (ms: number) => void (now += ms) };
}
