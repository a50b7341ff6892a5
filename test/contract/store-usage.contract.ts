/** StateStore contract: usage counters and job updates that change them atomically. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  QuotaExceededError,
  VersionConflictError,
} from '../../shared/base/errors.js';
import type { Job } from '../../shared/domain/job.js';
import type { StateStore, UsageDelta } from '../../shared/store/port.js';
import { aJob, type StoreContext, uniqueId } from './store-fixtures.js';

export function describeUsage(ctx: StoreContext): void {
  describe('usage', () => {
    /** Creates a job with a fresh id; returns it as stored (version 1). */
    const newJob = async (store: StateStore = ctx.store()): Promise<Job> => {
      const job = aJob({ id: uniqueId('job-usage') });
      await store.jobs.create(job);
      return job;
    };

    it('get: a counter never written is 0', async () => {
      const [a, b] = [uniqueId('usage'), uniqueId('usage')];
      expect(await ctx.store().usage.get([a, b])).toEqual({ [a]: 0, [b]: 0 });
      expect(await ctx.store().usage.get([])).toEqual({});
    });

    it('update with usage writes the job and every counter together; max is inclusive', async () => {
      const store = ctx.store();
      const [a, b] = [uniqueId('usage'), uniqueId('usage')];
      const job = await newJob();
      const updated = await store.jobs.update({ ...job, state: 'pending' }, [
        { key: a, delta: 4, max: 8 },
        { key: b, delta: 2 },
      ]);
      expect(updated).toEqual({ ...job, state: 'pending', version: 2 });
      expect(await store.jobs.get(job.id)).toEqual(updated);
      expect(await store.usage.get([a, b])).toEqual({ [a]: 4, [b]: 2 });
      await store.jobs.update(updated, [{ key: a, delta: 4, max: 8 }]);
      expect(await store.usage.get([a])).toEqual({ [a]: 8 });
      // An empty list of changes is a plain update.
      expect((await store.jobs.update({ ...updated, version: 3 }, [])).version).toBe(4);
    });

    it('a delta over its max fails with QuotaExceededError naming it; nothing changes', async () => {
      const store = ctx.store();
      const [ok, full, fresh] = [uniqueId('usage'), uniqueId('usage'), uniqueId('usage')];
      const job = await store.jobs.update(await newJob(), [{ key: full, delta: 6, max: 8 }]);
      // The passing change comes first, so a driver that applied it before failing would show it.
      const err = await store.jobs
        .update({ ...job, state: 'dispatched' }, [
          { key: ok, delta: 1, max: 100 },
          { key: full, delta: 3, max: 8 },
        ])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED', key: full });
      expect((err as Error).message).toContain(full);
      expect(await store.jobs.get(job.id)).toEqual(job);
      expect(await store.usage.get([ok, full])).toEqual({ [ok]: 0, [full]: 6 });
      // A counter never written starts at 0, so a first delta above max fails too.
      await expect(
        store.jobs.update(job, [{ key: fresh, delta: 5, max: 4 }]),
      ).rejects.toMatchObject({ key: fresh });
      expect(await store.usage.get([fresh])).toEqual({ [fresh]: 0 });
      expect((await store.jobs.get(job.id))?.version).toBe(job.version);
    });

    it('a version conflict with usage changes no counter', async () => {
      const store = ctx.store();
      const key = uniqueId('usage');
      const job = await newJob();
      await store.jobs.update(job);
      const change: UsageDelta[] = [{ key, delta: 2, max: 10 }];
      await expect(store.jobs.update(job, change)).rejects.toBeInstanceOf(VersionConflictError);
      const ghost = aJob({ id: uniqueId('job-ghost') });
      await expect(store.jobs.update(ghost, change)).rejects.toBeInstanceOf(VersionConflictError);
      expect(await store.usage.get([key])).toEqual({ [key]: 0 });
      expect(await store.jobs.get(ghost.id)).toBeUndefined();
    });

    it('negative deltas floor at 0', async () => {
      const store = ctx.store();
      const key = uniqueId('usage');
      let job = await store.jobs.update(await newJob(), [{ key, delta: 3 }]);
      job = await store.jobs.update(job, [{ key, delta: -5 }]);
      expect(await store.usage.get([key])).toEqual({ [key]: 0 });
      // Had it gone to -2, this would leave -1.
      await store.jobs.update(job, [{ key, delta: 1, max: 1 }]);
      expect(await store.usage.get([key])).toEqual({ [key]: 1 });
    });

    it('list returns the counters under a prefix, sorted by key', async () => {
      const store = ctx.store();
      const base = uniqueId('usage');
      const prefix = `${base}:tenant:`;
      const changes = [`${prefix}b`, `${prefix}a:x`, `${base}:cluster:a`, `${prefix}a`].map(
        (key, i) => ({ key, delta: i + 1 }),
      );
      await store.jobs.update(await newJob(), changes);
      const listed = await store.usage.list(prefix);
      expect(Object.entries(listed)).toEqual([
        [`${prefix}a`, 4],
        [`${prefix}a:x`, 2],
        [`${prefix}b`, 1],
      ]);
      expect(Object.keys(await store.usage.list(`${base}:`))).toHaveLength(4);
      expect(await store.usage.list(`${base}:nothing:`)).toEqual({});
    });

    it('create with usage stores the job and changes every counter together', async () => {
      const store = ctx.store();
      const [a, b, c] = [uniqueId('usage'), uniqueId('usage'), uniqueId('usage')];
      const job = aJob({ id: uniqueId('job-usage') });
      await store.jobs.create(job, [
        { key: a, delta: 4, max: 4 },
        { key: b, delta: 2 },
        { key: c, delta: -3 },
      ]);
      expect(await store.jobs.get(job.id)).toEqual(job);
      // max is inclusive; a counter floors at 0.
      expect(await store.usage.get([a, b, c])).toEqual({ [a]: 4, [b]: 2, [c]: 0 });
      // Several deltas to one key add up in order.
      const other = aJob({ id: uniqueId('job-usage') });
      await store.jobs.create(other, [
        { key: b, delta: -5 },
        { key: b, delta: 3, max: 3 },
      ]);
      expect(await store.usage.get([b])).toEqual({ [b]: 3 });
      // An empty list of changes is a plain create.
      const plain = aJob({ id: uniqueId('job-usage') });
      await store.jobs.create(plain, []);
      expect(await store.jobs.get(plain.id)).toEqual(plain);
    });

    it('create with a delta over its max fails naming it; neither job nor counter is stored', async () => {
      const store = ctx.store();
      const [ok, full, fresh] = [uniqueId('usage'), uniqueId('usage'), uniqueId('usage')];
      await store.jobs.create(aJob({ id: uniqueId('job-usage') }), [{ key: full, delta: 6 }]);
      const job = aJob({ id: uniqueId('job-usage') });
      // The passing change comes first, so a driver that applied it before failing would show it.
      const err = await store.jobs
        .create(job, [
          { key: ok, delta: 1, max: 100 },
          { key: full, delta: 3, max: 8 },
        ])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED', key: full });
      expect(await store.jobs.get(job.id)).toBeUndefined();
      expect(await store.usage.get([ok, full])).toEqual({ [ok]: 0, [full]: 6 });
      // A counter never written starts at 0; the same over quota when the key is changed twice.
      await expect(
        store.jobs.create(job, [{ key: fresh, delta: 5, max: 4 }]),
      ).rejects.toMatchObject({ key: fresh });
      await expect(
        store.jobs.create(job, [
          { key: ok, delta: 1 },
          { key: fresh, delta: 2 },
          { key: fresh, delta: 3, max: 4 },
        ]),
      ).rejects.toMatchObject({ key: fresh });
      expect(await store.jobs.get(job.id)).toBeUndefined();
      expect(await store.usage.get([ok, fresh])).toEqual({ [ok]: 0, [fresh]: 0 });
      // Nothing of the failed creates was kept: the id is still free.
      await store.jobs.create(job, [{ key: full, delta: 2, max: 8 }]);
      expect(await store.jobs.get(job.id)).toEqual(job);
      expect(await store.usage.get([full])).toEqual({ [full]: 8 });
    });

    it('create of an existing id fails with AlreadyExistsError and changes no counter', async () => {
      const store = ctx.store();
      const [key, full] = [uniqueId('usage'), uniqueId('usage')];
      const job = await newJob();
      await store.jobs.create(aJob({ id: uniqueId('job-usage') }), [{ key: full, delta: 2 }]);
      const twin = { ...job, state: 'pending' as const };
      await expect(store.jobs.create(twin, [{ key, delta: 2, max: 10 }])).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      // The existing id takes precedence over a quota the write would also exceed.
      await expect(
        store.jobs.create(twin, [
          { key, delta: 1 },
          { key: full, delta: 1, max: 2 },
        ]),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(
        store.jobs.create(twin, [
          { key: full, delta: -1 },
          { key: full, delta: 2, max: 2 },
        ]),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await store.jobs.get(job.id)).toEqual(job);
      expect(await store.usage.get([key, full])).toEqual({ [key]: 0, [full]: 2 });
    });

    it('concurrent creates never push a counter over its max, across connections', async () => {
      const handles = [ctx.store(), await ctx.peer()];
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 2, max: 8 }),
          async (max, creators) => {
            const key = uniqueId('usage');
            const jobs = Array.from({ length: creators }, () =>
              aJob({ id: uniqueId('job-usage') }),
            );
            const created = await Promise.all(
              jobs.map(async (job, i) => {
                const h = handles[i % handles.length]!;
                try {
                  await h.jobs.create(job, [{ key, delta: 1, max }]);
                  return true;
                } catch (e) {
                  if (!(e instanceof QuotaExceededError)) throw e;
                  return false;
                }
              }),
            );
            // Each create takes 1 and counters only grow here: exactly min(creators, max) fit.
            const taken = created.filter(Boolean).length;
            expect(taken).toBe(Math.min(creators, max));
            for (const h of handles) {
              expect(await h.usage.get([key])).toEqual({ [key]: taken });
              const stored = await Promise.all(jobs.map((j) => h.jobs.get(j.id)));
              expect(stored.map((j) => j !== undefined)).toEqual(created);
            }
          },
        ),
        { numRuns: 15 },
      );
    });

    it('concurrent reservers never push a counter over its max, across connections', async () => {
      const handles = [ctx.store(), await ctx.peer()];
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 10 }),
          fc.array(fc.record({ gpus: fc.integer({ min: 1, max: 4 }), release: fc.boolean() }), {
            minLength: 2,
            maxLength: 8,
          }),
          async (max, reservers) => {
            const key = uniqueId('usage');
            const jobs = await Promise.all(reservers.map(() => newJob()));
            /** Reserves, maybe releases; returns the GPUs it still holds. */
            const reserve = async ({ gpus, release }: (typeof reservers)[number], i: number) => {
              const h = handles[i % handles.length]!;
              const job = jobs[i]!;
              let held: Job;
              try {
                held = await h.jobs.update({ ...job, state: 'pending' }, [
                  { key, delta: gpus, max },
                ]);
              } catch (e) {
                if (!(e instanceof QuotaExceededError)) throw e;
                refused++;
                expect(await h.jobs.get(job.id)).toEqual(job);
                return 0;
              }
              expect((await h.usage.get([key]))[key]).toBeLessThanOrEqual(max);
              if (!release) return gpus;
              await h.jobs.update({ ...held, state: 'cancelled' }, [{ key, delta: -gpus }]);
              return 0;
            };
            const held = await Promise.all(reservers.map(reserve));
            const total = held.reduce((a, b) => a + b, 0);
            expect(total).toBeLessThanOrEqual(max);
            for (const h of handles) expect(await h.usage.get([key])).toEqual({ [key]: total });
          },
        ),
        { numRuns: 25 },
      );
      // Some reservations really were refused, so the max check was exercised.
      expect(refused).toBeGreaterThan(0);
    });
  });
}
