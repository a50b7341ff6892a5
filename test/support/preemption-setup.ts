// What the preemption tests (unit/preemption-dispatch, integration/preemption-race) set up alike: a
// core context over a given store with a clock the test moves, two clusters `a` and `b` of one node
// with 2 A100s each (four 1-GPU jobs fill both; a 2-GPU preemptor fits on one once it is emptied),
// and the job body at a priority.
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import type { StateStore } from '../../shared/store/port.js';

export const NOW = Date.parse('2026-11-29T10:00:00Z');

export const me: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_t',
  scopes: new Set(SCOPES),
  projects: ['*'],
};

/** A job of `count` A100s at `priority` in project research (with `extra` fields, e.g. a callback). */
export const preemptionBody = (
  name: string,
  count: number,
  priority: number,
  extra: Record<string, unknown> = {},
) => ({
  name,
  ...extra,
  project: 'research',
  image: 'busybox',
  priority,
  resources: { accelerator: { type: 'nvidia-a100', count } },
});

/** The context over `store` at NOW, with clusters a and b put; `tick` moves its clock on. */
export async function twoClusterContext(store: StateStore) {
  let now = NOW;
  const clock = { now: () => now };
  const ctx: CoreContext = {
    store,
    queue: createMemoryQueue({ clock }),
    clock,
    log: silentLogger,
    settings: defaultCoreSettings,
  };
  for (const id of ['a', 'b']) {
    await store.clusters.put({
      id,
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: `q-${id}`,
      state: 'active',
      pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 2 }],
      version: 1,
      updatedAt: new Date(NOW).toISOString(),
    });
  }
  return { ctx, tick: (ms: number) => (now += ms), now: () => now };
}
