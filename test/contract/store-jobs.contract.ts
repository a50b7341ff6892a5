/**
 * StateStore contract: jobs (create, conditional update, copies, listing and paging, the state
 * queries dispatch sweeps use) and two handles racing on one job. Each test gets an empty store.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, AppError, VersionConflictError } from '../../shared/base/errors.js';
import type { Decision, JobState } from '../../shared/domain/job.js';
import { WITHOUT_DECISION, type StateStore } from '../../shared/store/port.js';
import { aJob, at, ids, type StoreContext } from './store-fixtures.js';

export function describeJobs(ctx: StoreContext): void {
  let store: StateStore;
  const peer = () => ctx.peer();
  beforeEach(() => {
    store = ctx.store();
  });

  describe('jobs', () => {
    it('creates and gets a job; a missing id is undefined', async () => {
      await store.jobs.create(aJob());
      expect(await store.jobs.get('job-1')).toEqual(aJob());
      expect(await store.jobs.get('nope')).toBeUndefined();
    });

    it('refuses to create an existing id and keeps the first', async () => {
      await store.jobs.create(aJob());
      await expect(store.jobs.create(aJob({ state: 'failed' }))).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect((await store.jobs.get('job-1'))?.state).toBe('received');
    });

    it('update bumps the version; a stale version or a missing job conflicts', async () => {
      await store.jobs.create(aJob());
      const updated = await store.jobs.update(aJob({ state: 'pending' }));
      expect(updated).toEqual(aJob({ state: 'pending', version: 2 }));
      expect(await store.jobs.get('job-1')).toEqual(updated);
      const stale = store.jobs.update(aJob({ state: 'failed' }));
      await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
      await expect(store.jobs.update(aJob({ id: 'ghost' }))).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect((await store.jobs.get('job-1'))?.state).toBe('pending');
    });

    it("keeps a gang's reported replicas, read back as written", async () => {
      await store.jobs.create(aJob({ state: 'running' }));
      const replicas = [
        { role: 'master', index: 0, pod: 'sy-1-master-0', node: 'n-1', phase: 'Running' },
        {
          role: 'worker',
          index: 0,
          pod: 'sy-1-worker-0',
          phase: 'Failed',
          exitCode: 7,
          reason: 'Error',
        },
      ];
      await store.jobs.update(aJob({ state: 'running', replicas }));
      expect((await store.jobs.get('job-1'))?.replicas).toEqual(replicas);
    });

    it('a lean read may leave the decision out; written back, the job keeps it', async () => {
      const decision = (clusterId: string): Decision => ({
        outcome: 'placed',
        clusterId,
        message: `placed on ${clusterId}`,
        candidates: [{ clusterId, feasible: true, score: 1, reasons: ['64 free GPUs'] }],
        evaluatedAt: at(1),
      });
      await store.jobs.create(aJob({ state: 'dispatched', decision: decision('c1') }));
      const lean = (await store.jobs.get('job-1', WITHOUT_DECISION))!;
      expect({ ...lean, decision: undefined }).toEqual(
        aJob({ state: 'dispatched', decision: undefined }),
      );
      if (store.driver !== 'dynamodb') expect(lean).not.toHaveProperty('decision');
      await store.jobs.update({ ...lean, state: 'submitted' });
      const full = (await store.jobs.get('job-1'))!;
      expect(full.state).toBe('submitted');
      expect(full.decision).toEqual(decision('c1'));
      expect((await store.jobs.listByState(['submitted'], 10))[0]?.decision).toEqual(
        decision('c1'),
      );
      expect((await store.jobs.list({ tenantId: 'acme', limit: 10 })).items[0]?.decision).toEqual(
        decision('c1'),
      );
      // A write with a decision replaces the stored one, also from a lean copy.
      const again = (await store.jobs.get('job-1', WITHOUT_DECISION))!;
      await store.jobs.update({ ...again, state: 'dispatched', decision: decision('c2') });
      expect((await store.jobs.get('job-1'))?.decision).toEqual(decision('c2'));
    });

    it('hands out copies: mutating inputs or results never changes stored state', async () => {
      const input = aJob();
      await store.jobs.create(input);
      input.spec.env.A = 'changed';
      const got = (await store.jobs.get('job-1'))!;
      got.events.push({ at: at(1), reason: 'Mutated', message: 'x' });
      const updated = await store.jobs.update(got);
      updated.spec.labels.x = 'y';
      const again = (await store.jobs.get('job-1'))!;
      expect(again.spec.env.A).toBe('1');
      expect(again.events).toHaveLength(2);
      expect(again.spec.labels).toEqual({});
    });

    it('lists a tenant’s jobs newest first, filtered by project and state', async () => {
      const specs: [string, string, JobState, number][] = [
        ['a', 'vision', 'received', 1],
        ['b', 'nlp', 'running', 2],
        ['c', 'vision', 'running', 3],
        ['d', 'vision', 'running', 3],
      ];
      for (const [id, project, state, t] of specs) {
        await store.jobs.create(aJob({ id, project, state, createdAt: at(t) }));
      }
      await store.jobs.create(aJob({ id: 'z', tenantId: 'other', createdAt: at(9) }));
      const list = (q: object) => store.jobs.list({ tenantId: 'acme', limit: 10, ...q });
      expect(ids((await list({})).items)).toEqual(['d', 'c', 'b', 'a']);
      expect(ids((await list({ project: 'vision' })).items)).toEqual(['d', 'c', 'a']);
      expect(ids((await list({ state: 'running' })).items)).toEqual(['d', 'c', 'b']);
      expect(ids((await list({ project: 'vision', state: 'received' })).items)).toEqual(['a']);
      expect((await list({})).nextCursor).toBeUndefined();
      const other = await store.jobs.list({ tenantId: 'other', limit: 10 });
      expect(ids(other.items)).toEqual(['z']);
      expect((await store.jobs.list({ tenantId: 'nobody', limit: 10 })).items).toEqual([]);
    });

    it('pages with cursors: no duplicates, no gaps, stable as new jobs arrive', async () => {
      // 20 jobs, several sharing a createdAt so the id tie-break matters.
      for (let i = 0; i < 20; i++) {
        const id = `j${String(i).padStart(2, '0')}`;
        await store.jobs.create(aJob({ id, createdAt: at(Math.floor(i / 3)) }));
      }
      const all = (await store.jobs.list({ tenantId: 'acme', limit: 500 })).items;
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.jobs.list({ tenantId: 'acme', limit: 5, cursor });
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
        if (pages++ === 0) {
          await store.jobs.create(aJob({ id: 'new-1', createdAt: at(100) }));
          await store.jobs.create(aJob({ id: 'j00a', createdAt: at(0) }));
        }
      } while (cursor !== undefined && pages < 10);
      expect(pages).toBe(5);
      expect(seen).toEqual(
        [...ids(all), 'j00a']
          .sort()
          .reverse()
          .filter((i) => i !== 'new-1'),
      );
      expect(ids(all).length).toBe(20);
    });

    it('refuses malformed cursors and out-of-range limits with BAD_REQUEST', async () => {
      const bad = ['not a cursor!', 'bm90IGpzb24', btoa('{"x":1}'), btoa('[]'), ''];
      for (const cursor of bad) {
        const err = await store.jobs.list({ tenantId: 'acme', limit: 5, cursor }).catch((e) => e);
        expect(err).toBeInstanceOf(AppError);
        expect(err).toMatchObject({
          code: 'BAD_REQUEST',
          message: 'cursor is not valid: pass the nextCursor of a previous page',
        });
      }
      for (const limit of [0, 501, 1.5]) {
        await expect(store.jobs.list({ tenantId: 'acme', limit })).rejects.toMatchObject({
          code: 'BAD_REQUEST',
        });
      }
    });

    it('listByState returns jobs in the given states across tenants, oldest first', async () => {
      await store.jobs.create(aJob({ id: 'p2', state: 'pending', createdAt: at(2) }));
      await store.jobs.create(aJob({ id: 'r1', state: 'received', createdAt: at(1) }));
      await store.jobs.create(
        aJob({ id: 'p3', tenantId: 'other', state: 'pending', createdAt: at(3) }),
      );
      await store.jobs.create(aJob({ id: 'x0', state: 'running', createdAt: at(0) }));
      const found = await store.jobs.listByState(['pending', 'received'], 10);
      expect(ids(found)).toEqual(['r1', 'p2', 'p3']);
      expect(ids(await store.jobs.listByState(['pending', 'received'], 2))).toEqual(['r1', 'p2']);
      expect(await store.jobs.listByState([], 10)).toEqual([]);
    });

    it('countByState counts jobs per state across tenants, 0 for a state with none', async () => {
      await store.jobs.create(aJob({ id: 'p1', state: 'pending', createdAt: at(1) }));
      await store.jobs.create(
        aJob({ id: 'p2', tenantId: 'other', state: 'pending', createdAt: at(2) }),
      );
      await store.jobs.create(aJob({ id: 'r1', state: 'running', createdAt: at(3) }));
      const counts = await store.jobs.countByState(['pending', 'running', 'dispatched']);
      expect(counts).toEqual({ pending: 2, running: 1, dispatched: 0 });
      const moved = await store.jobs.get('p1');
      await store.jobs.update({ ...moved!, state: 'running' });
      expect(await store.jobs.countByState(['pending', 'running'])).toEqual({
        pending: 1,
        running: 2,
      });
      expect(await store.jobs.countByState([])).toEqual({});
    });

    it('listStale returns the jobs of a state written before a time, least recent first', async () => {
      const job = (id: string, state: JobState, created: number, updated: number) =>
        aJob({ id, state, createdAt: at(created), updatedAt: at(updated) });
      await store.jobs.create(job('d-new', 'dispatched', 0, 50));
      await store.jobs.create(job('d-old', 'dispatched', 3, 5));
      await store.jobs.create(job('d-mid', 'dispatched', 1, 8));
      await store.jobs.create(job('r-old', 'running', 0, 1));
      expect(ids(await store.jobs.listStale('dispatched', at(10), 10))).toEqual(['d-old', 'd-mid']);
      expect(ids(await store.jobs.listStale('dispatched', at(10), 1))).toEqual(['d-old']);
      expect(ids(await store.jobs.listStale('dispatched', at(5), 10))).toEqual([]);
      expect(ids(await store.jobs.listStale('running', at(10), 10))).toEqual(['r-old']);
    });
  });

  describe('concurrency', () => {
    it('two updates from the same version: exactly one wins', async () => {
      const other = await peer();
      await store.jobs.create(aJob());
      const results = await Promise.allSettled([
        store.jobs.update(aJob({ state: 'pending' })),
        other.jobs.update(aJob({ state: 'rejected' })),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((r) => r.reason)).toEqual([expect.any(VersionConflictError)]);
      expect((await other.jobs.get('job-1'))?.version).toBe(2);
    });

    it('racers incrementing a counter with read/update/retry never lose an update', async () => {
      const handles = [store, await peer()];
      let run = 0;
      let conflicts = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 6 }),
          async (increments) => {
            const id = `counter-${run++}`;
            await store.jobs.create(aJob({ id }));
            const racer = async (times: number, i: number) => {
              const h = handles[i % handles.length]!;
              for (let n = 0; n < times; n++) {
                for (let attempt = 0; ; attempt++) {
                  if (attempt > 200) throw new Error('racer starved');
                  const job = (await h.jobs.get(id))!;
                  job.spec.priority += 1;
                  try {
                    await h.jobs.update(job);
                    break;
                  } catch (e) {
                    if (!(e instanceof VersionConflictError)) throw e;
                    conflicts++;
                  }
                }
              }
            };
            await Promise.all(increments.map(racer));
            const total = increments.reduce((a, b) => a + b, 0);
            const final = (await store.jobs.get(id))!;
            expect(final.spec.priority).toBe(total);
            expect(final.version).toBe(1 + total);
          },
        ),
        { numRuns: 25 },
      );
      // The racers really did interleave, so the retry path was exercised.
      expect(conflicts).toBeGreaterThan(0);
    });
  });
}
