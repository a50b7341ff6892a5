// A status report reads its job once: `mutateJob` takes the copy its caller has just read for its
// first try (a placed job carries its decision, tens of KB of JSON with 100 clusters), and the write
// stays conditional on that copy's version, so a copy gone stale costs a retry, never a lost write.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/base/log.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import type { Job } from '../../shared/domain/job.js';
import { mutateJob } from '../../shared/jobs/mutate.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { aJob, at } from '../contract/store-fixtures.js';
import { dispatchOf } from '../support/dispatch-context.js';

/** A memory-store context whose `jobs.get` calls are counted. */
function countingContext(): { ctx: CoreContext; gets: () => number } {
  const clock = { now: () => Date.parse(at(10)) };
  const store = createMemoryStore();
  let gets = 0;
  const get = store.jobs.get.bind(store.jobs);
  store.jobs.get = (id) => {
    gets++;
    return get(id);
  };
  const ctx: CoreContext = {
    store,
    queue: createMemoryQueue({ clock }),
    clock,
    log: silentLogger,
    settings: defaultCoreSettings,
  };
  return { ctx, gets: () => gets };
}

const placed = (): Job =>
  aJob({
    state: 'dispatched',
    placement: { clusterId: 'c1', queue: 'aws', namespace: 'ns', kubeName: 'sy-job-1', attempt: 1 },
  });

const note = (reason: string) => (j: Job) => ({
  ...j,
  events: [...j.events, { at: at(5), reason, message: reason }],
});

describe('mutateJob with the caller’s read', () => {
  it('writes from a current copy without reading the job again', async () => {
    const { ctx, gets } = countingContext();
    await ctx.store.jobs.create(placed());
    const read = (await ctx.store.jobs.get('job-1'))!;
    const { job, changed } = await mutateJob(ctx, 'job-1', note('Mine'), read);
    expect(changed).toBe(true);
    expect(gets()).toBe(1);
    expect(job.version).toBe(2);
    expect((await ctx.store.jobs.get('job-1'))!.events.at(-1)?.reason).toBe('Mine');
  });

  it('retries from a fresh read when the copy is stale, keeping the other write', async () => {
    const { ctx, gets } = countingContext();
    await ctx.store.jobs.create(placed());
    const stale = (await ctx.store.jobs.get('job-1'))!;
    await mutateJob(ctx, 'job-1', note('Theirs')); // another writer, after our read
    let calls = 0;
    const { job } = await mutateJob(
      ctx,
      'job-1',
      (j) => {
        calls++;
        return note('Mine')(j);
      },
      stale,
    );
    expect(calls).toBe(2);
    expect(gets()).toBe(3); // ours, theirs, our retry's
    expect(job.version).toBe(3);
    const reasons = (await ctx.store.jobs.get('job-1'))!.events.map((e) => e.reason);
    expect(reasons.slice(-2)).toEqual(['Theirs', 'Mine']);
  });
});

describe('control plane status report', () => {
  it('reads the job once for a report that moves it', async () => {
    const { ctx, gets } = countingContext();
    await ctx.store.jobs.create(placed());
    const control = createControlPlane(dispatchOf(ctx));
    await control.report({
      jobId: 'job-1',
      clusterId: 'c1',
      attempt: 1,
      phase: 'pending',
      at: at(6),
    });
    expect(gets()).toBe(1);
    const job = (await ctx.store.jobs.get('job-1'))!;
    expect(job.state).toBe('submitted');
    expect(job.version).toBe(2);
  });
});
