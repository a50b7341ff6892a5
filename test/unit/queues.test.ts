// The queues view: every queue a cluster drains, and the caller's own jobs waiting in it (with the
// oldest wait), started from it, or pending on no queue.
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/domain/principal.js';
import { AppError } from '../../shared/base/errors.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import type { Job, JobState } from '../../shared/domain/job.js';
import { tenantQueues } from '../../shared/jobs/queues-view.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { aJob, at } from '../contract/store-fixtures.js';

const clock = { now: () => Date.parse('2030-01-01T01:00:00Z') };

function context(): CoreContext {
  return {
    store: createMemoryStore({ clock }),
    queue: createMemoryQueue({ clock }),
    clock,
    settings: defaultCoreSettings,
    log: silentLogger,
  };
}

const reader = (tenantId: string, scopes = ['jobs:read']): Principal => ({
  tenantId,
  tokenId: `tok-${tenantId}`,
  scopes: new Set(scopes) as Principal['scopes'],
  projects: ['*'],
});

let serial = 0;
function job(tenantId: string, state: JobState, queue: string | undefined, since: number): Job {
  const id = `job-${serial++}`;
  return aJob({
    id,
    tenantId,
    state,
    updatedAt: at(since),
    ...(queue
      ? {
          placement: {
            clusterId: `${queue}-1`,
            queue,
            namespace: `t-${tenantId}`,
            kubeName: id,
            attempt: 1,
          },
        }
      : {}),
  });
}

describe('tenantQueues', () => {
  it("lists every queue with its clusters and counts only the caller's unfinished jobs", async () => {
    const ctx = context();
    const pool = [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }];
    const cluster = (id: string, queue: string) => ({
      id,
      cloud: 'aws',
      region: 'r',
      labels: {},
      queue,
      pools: pool,
      state: 'active' as const,
      version: 0,
      updatedAt: at(0),
    });
    for (const c of [cluster('gcp-2', 'gcp'), cluster('aws-1', 'aws'), cluster('gcp-1', 'gcp')]) {
      await ctx.store.clusters.put(c);
    }
    for (const j of [
      job('acme', 'dispatched', 'aws', 30),
      job('acme', 'dispatched', 'aws', 10),
      job('acme', 'running', 'aws', 5),
      job('acme', 'submitted', 'gcp', 7),
      job('acme', 'pending', undefined, 3),
      job('acme', 'succeeded', 'aws', 1),
      job('globex', 'dispatched', 'gcp', 2),
      job('globex', 'pending', undefined, 2),
    ]) {
      await ctx.store.jobs.create(j);
    }

    expect(await tenantQueues(ctx, reader('acme'))).toEqual({
      items: [
        {
          queue: 'aws',
          clusters: ['aws-1'],
          waiting: 2,
          oldestWaitingSince: at(10),
          started: 1,
        },
        {
          queue: 'gcp',
          clusters: ['gcp-1', 'gcp-2'],
          waiting: 0,
          oldestWaitingSince: null,
          started: 1,
        },
      ],
      pending: 1,
      truncated: false,
    });
    const globex = await tenantQueues(ctx, reader('globex'));
    expect(globex.items.map((q) => [q.queue, q.waiting, q.started])).toEqual([
      ['aws', 0, 0],
      ['gcp', 1, 0],
    ]);
    expect(globex.pending).toBe(1);
    // Counted up to a limit, and says so past it.
    expect((await tenantQueues(ctx, reader('acme'), 4)).truncated).toBe(true);
    expect((await tenantQueues(ctx, reader('acme'), 5)).truncated).toBe(false);
  });

  it('needs jobs:read', async () => {
    const err = await tenantQueues(context(), reader('acme', ['jobs:submit'])).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('FORBIDDEN');
  });
});
