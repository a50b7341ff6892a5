// The redispatch sweep takes what is due, not the oldest page of the backlog: a dispatched job not
// written for longer than `redispatchAfterMs` is published again even behind more fresh dispatched
// jobs than the sweep's page (which used to hide it), and fresh jobs are left alone.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/base/log.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { redispatchStale } from '../../shared/dispatch/dispatch.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { aJob } from '../contract/store-fixtures.js';
import { dispatchOf } from '../support/dispatch-context.js';

const NOW = Date.parse('2026-11-29T10:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('redispatch sweep', () => {
  it('finds the stale job behind a page of fresh ones and republishes only it', async () => {
    const clock = { now: () => NOW };
    const ctx: CoreContext = {
      store: createMemoryStore(),
      queue: createMemoryQueue({ clock }),
      clock,
      log: silentLogger,
      settings: defaultCoreSettings,
    };
    const dispatched = (id: string, createdAgo: number, updatedAgo: number) =>
      aJob({
        id,
        state: 'dispatched',
        createdAt: ago(createdAgo),
        updatedAt: ago(updatedAgo),
        placement: {
          clusterId: 'c1',
          queue: 'aws',
          namespace: 'ns',
          kubeName: `sy-${id}`,
          attempt: 1,
        },
      });
    // Five fresh jobs created before the stale one: the oldest page of 3 holds none that is due.
    for (let i = 0; i < 5; i++)
      await ctx.store.jobs.create(dispatched(`fresh-${i}`, 600_000 - i, 1_000));
    await ctx.store.jobs.create(dispatched('stale', 300_000, 120_000));

    expect(await redispatchStale(dispatchOf(ctx), 3)).toBe(1);
    const sent = await ctx.queue.pull('aws', { max: 10, visibilityMs: 1_000 });
    expect(sent.map((m) => m.body.jobId)).toEqual(['stale']);
    expect((await ctx.store.jobs.get('stale'))?.updatedAt).toBe(new Date(NOW).toISOString());
    expect((await ctx.store.jobs.get('fresh-0'))?.updatedAt).toBe(ago(1_000));
    // Touched, it is no longer due.
    expect(await redispatchStale(dispatchOf(ctx), 3)).toBe(0);
  });
});
