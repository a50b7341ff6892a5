/**
 * The StateStore contract: one suite every driver must pass (memory, SQLite, DynamoDB, …).
 * `make` must return an empty store each time it is called; the suite closes every store it made.
 * The usage, outbox, schedule, hook and claim tests live in `store-*.contract.ts` and name every record
 * uniquely, so a driver may run them against one shared table.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/cluster.js';
import { AlreadyExistsError, AppError, VersionConflictError } from '../../shared/base/errors.js';
import type { JobState } from '../../shared/domain/job.js';
import type { Delivery, StateStore, TokenRecord } from '../../shared/store/port.js';
import { describeClaims } from './store-claims.contract.js';
import { describeLogs } from './store-logs.contract.js';
import { describeMaintenancePlans } from './store-maintenance.contract.js';
import { aJob, at, ids, type StoreContext } from './store-fixtures.js';
import { describeOutbox } from './store-outbox.contract.js';
import { describePolicyVersions } from './store-policy-versions.contract.js';
import { describeRedrive } from './store-redrive.contract.js';
import { describeTenantTables } from './store-records.contract.js';
import { describeUsage } from './store-usage.contract.js';

export { aJob };

export interface StoreDriverOptions {
  /** Runs once after the suite (drop tables, delete temp files). */
  cleanup?: () => Promise<void>;
  /** A second handle on the same data as `store` (another connection); concurrency tests race across both. */
  openPeer?: (store: StateStore) => Promise<StateStore> | StateStore;
}

function aCluster(over: Partial<Cluster> = {}): Cluster {
  return {
    id: 'gke-a',
    cloud: 'gcp',
    region: 'us-central1',
    labels: { tier: 'prod' },
    queue: 'q-gke-a',
    state: 'active',
    pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8 }],
    version: 0,
    updatedAt: at(0),
    ...over,
  };
}

function aToken(over: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: 'tok-1',
    tenantId: 'acme',
    scopes: ['jobs:write'],
    projects: ['*'],
    description: 'ci',
    createdAt: at(0),
    expiresAt: at(3600),
    ...over,
  };
}

function aDelivery(over: Partial<Delivery> = {}): Delivery {
  return {
    id: 'dlv-1',
    jobId: 'job-1',
    tenantId: 'acme',
    url: 'https://hooks.example.com/x',
    eventType: 'job.running',
    payload: '{"type":"job.running"}',
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    createdAt: at(0),
    updatedAt: at(0),
    version: 1,
    ...over,
  };
}

/** Runs the StateStore contract against one driver. */
export function testStoreDriver(
  name: string,
  make: () => Promise<StateStore> | StateStore,
  opts: StoreDriverOptions = {},
): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    const opened: StateStore[] = [];
    const peer = async () => {
      const other = opts.openPeer ? await opts.openPeer(store) : store;
      if (other !== store) opened.push(other);
      return other;
    };
    beforeEach(async () => {
      store = await make();
      opened.push(store);
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });
    afterAll(async () => {
      await opts.cleanup?.();
    });
    const ctx: StoreContext = { store: () => store, peer };

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
        expect(ids(await store.jobs.listStale('dispatched', at(10), 10))).toEqual([
          'd-old',
          'd-mid',
        ]);
        expect(ids(await store.jobs.listStale('dispatched', at(10), 1))).toEqual(['d-old']);
        expect(ids(await store.jobs.listStale('dispatched', at(5), 10))).toEqual([]);
        expect(ids(await store.jobs.listStale('running', at(10), 10))).toEqual(['r-old']);
      });
    });

    describe('clusters', () => {
      it('put creates or replaces and assigns the version; list is sorted by id', async () => {
        const first = await store.clusters.put(aCluster({ id: 'gke-b' }));
        expect(first).toEqual(aCluster({ id: 'gke-b', version: 1 }));
        await store.clusters.put(aCluster({ id: 'aks-a' }));
        const replaced = await store.clusters.put(aCluster({ id: 'gke-b', region: 'eu-west4' }));
        expect(replaced).toMatchObject({ region: 'eu-west4', version: 2 });
        expect(await store.clusters.get('gke-b')).toEqual(replaced);
        expect(await store.clusters.get('nope')).toBeUndefined();
        expect(ids(await store.clusters.list())).toEqual(['aks-a', 'gke-b']);
      });

      it('update is conditional on the version and returns copies', async () => {
        const stored = await store.clusters.put(aCluster());
        const updated = await store.clusters.update({ ...stored, state: 'cordoned' });
        expect(updated).toMatchObject({ state: 'cordoned', version: stored.version + 1 });
        updated.labels.tier = 'mutated';
        expect((await store.clusters.get('gke-a'))?.labels.tier).toBe('prod');
        await expect(store.clusters.update(stored)).rejects.toBeInstanceOf(VersionConflictError);
        await expect(
          store.clusters.update(aCluster({ id: 'ghost', version: 1 })),
        ).rejects.toBeInstanceOf(VersionConflictError);
        // A configuration reload bumps the version, so an updater holding the old one conflicts.
        await store.clusters.put(aCluster());
        await expect(store.clusters.update(updated)).rejects.toBeInstanceOf(VersionConflictError);
      });
    });

    it('tenants: create, get, AlreadyExists', async () => {
      const tenant = { id: 'acme', name: 'Acme', createdAt: at(0) };
      await store.tenants.create(tenant);
      expect(await store.tenants.get('acme')).toEqual(tenant);
      expect(await store.tenants.get('nope')).toBeUndefined();
      await expect(store.tenants.create(tenant)).rejects.toBeInstanceOf(AlreadyExistsError);
    });

    it('tokens: create, get, listByTenant in creation order, put revokes', async () => {
      await store.tokens.create(aToken({ id: 'tok-2', createdAt: at(2) }));
      await store.tokens.create(aToken({ id: 'tok-1', createdAt: at(1) }));
      await store.tokens.create(aToken({ id: 'tok-9', tenantId: 'other' }));
      await expect(store.tokens.create(aToken({ id: 'tok-1' }))).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect(await store.tokens.get('tok-9')).toEqual(aToken({ id: 'tok-9', tenantId: 'other' }));
      expect(await store.tokens.get('nope')).toBeUndefined();
      expect(ids(await store.tokens.listByTenant('acme'))).toEqual(['tok-1', 'tok-2']);
      await store.tokens.put(aToken({ id: 'tok-2', createdAt: at(2), revokedAt: at(5) }));
      expect((await store.tokens.get('tok-2'))?.revokedAt).toBe(at(5));
      expect(await store.tokens.listByTenant('nobody')).toEqual([]);
    });

    it('idempotency: claim, conflicting claim, complete, release, expired claim replaced', async () => {
      const claim = {
        tenantId: 'acme',
        key: 'k1',
        fingerprint: 'f1',
        state: 'in-flight' as const,
        createdAt: at(0),
        expiresAt: at(60),
      };
      expect(await store.idempotency.claim(claim, at(0))).toBeUndefined();
      expect(await store.idempotency.claim({ ...claim, fingerprint: 'f2' }, at(1))).toEqual(claim);
      expect(await store.idempotency.claim({ ...claim, tenantId: 'other' }, at(1))).toBeUndefined();
      await store.idempotency.complete('acme', 'k1', 'job-7');
      const done = await store.idempotency.claim(claim, at(2));
      expect(done).toEqual({ ...claim, state: 'done', jobId: 'job-7' });
      await store.idempotency.release('acme', 'k1');
      expect(await store.idempotency.claim({ ...claim, fingerprint: 'f3' }, at(3))).toBeUndefined();
      // At or after expiresAt the old claim is replaced.
      const fresh = { ...claim, fingerprint: 'f4', expiresAt: at(200) };
      expect(await store.idempotency.claim(fresh, at(60))).toBeUndefined();
      expect(await store.idempotency.claim(claim, at(61))).toEqual(fresh);
      await store.idempotency.complete('acme', 'missing', 'job-8');
      await store.idempotency.release('acme', 'missing');
    });

    it('deliveries: create, conditional update, listDue and listByJob ordering', async () => {
      await store.deliveries.create(
        aDelivery({ id: 'd1', nextAttemptAt: at(5), createdAt: at(1) }),
      );
      await store.deliveries.create(
        aDelivery({ id: 'd2', nextAttemptAt: at(3), createdAt: at(2) }),
      );
      await store.deliveries.create(
        aDelivery({ id: 'd3', nextAttemptAt: at(9), createdAt: at(3) }),
      );
      await store.deliveries.create(
        aDelivery({ id: 'd4', jobId: 'job-2', state: 'delivered', createdAt: at(4) }),
      );
      await store.deliveries.create(aDelivery({ id: 'd5', jobId: 'job-2', createdAt: at(5) }));
      await expect(store.deliveries.create(aDelivery({ id: 'd1' }))).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect(ids(await store.deliveries.listDue(at(5), 10))).toEqual(['d5', 'd2', 'd1']);
      expect(ids(await store.deliveries.listDue(at(5), 1))).toEqual(['d5']);
      const d2 = (await store.deliveries.listByJob('job-1'))[1]!;
      expect(d2.id).toBe('d2');
      const updated = await store.deliveries.update({ ...d2, state: 'dead', attempts: 8 });
      expect(updated).toMatchObject({ state: 'dead', attempts: 8, version: 2 });
      await expect(store.deliveries.update(d2)).rejects.toBeInstanceOf(VersionConflictError);
      await expect(store.deliveries.update(aDelivery({ id: 'ghost' }))).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect(ids(await store.deliveries.listDue(at(100), 10))).toEqual(['d5', 'd1', 'd3']);
      expect(ids(await store.deliveries.listByJob('job-1'))).toEqual(['d1', 'd2', 'd3']);
      expect(ids(await store.deliveries.listByJob('job-2'))).toEqual(['d4', 'd5']);
    });

    it('settings: get, putIfAbsent, put', async () => {
      expect(await store.settings.get('k')).toBeUndefined();
      expect(await store.settings.putIfAbsent('k', { keys: ['a'], n: 1 })).toBe(true);
      expect(await store.settings.putIfAbsent('k', { keys: ['b'] })).toBe(false);
      const got = await store.settings.get<{ keys: string[] }>('k');
      expect(got).toEqual({ keys: ['a'], n: 1 });
      got!.keys.push('mutated');
      await store.settings.put('k', 'replaced');
      expect(await store.settings.get('k')).toBe('replaced');
    });

    it('settings: replace stores only over the value read, so one of two racing writers wins', async () => {
      expect(await store.settings.replace('ring', undefined, ['a'])).toBe(false);
      expect(await store.settings.get('ring')).toBeUndefined();
      await store.settings.put('ring', { keys: ['a'], n: 1 });
      const read = await store.settings.get('ring');
      const other = await peer();
      const [one, two] = await Promise.all([
        store.settings.replace('ring', read, { keys: ['b', 'a'], n: 2 }),
        other.settings.replace('ring', read, { keys: ['c', 'a'], n: 2 }),
      ]);
      expect([one, two].filter(Boolean)).toHaveLength(1);
      const won = await store.settings.get<{ keys: string[] }>('ring');
      expect(won).toEqual({ keys: [one ? 'b' : 'c', 'a'], n: 2 });
      // The loser reads again and builds on the winner.
      expect(await store.settings.replace('ring', read, { keys: ['d'] })).toBe(false);
      expect(await store.settings.replace('ring', won, { keys: ['d', ...won!.keys], n: 3 })).toBe(
        true,
      );
      expect(await store.settings.get('ring')).toEqual({ keys: ['d', one ? 'b' : 'c', 'a'], n: 3 });
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

    describeUsage(ctx);
    describeOutbox(ctx);
    describeTenantTables(ctx);
    describeClaims(ctx);
    describeMaintenancePlans(ctx);
    describeLogs(ctx);
    describePolicyVersions(ctx);
    describeRedrive(ctx);
  });
}
