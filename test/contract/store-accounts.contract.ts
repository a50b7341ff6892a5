/**
 * StateStore contract: clusters, tenants, tokens, idempotency claims, webhook deliveries and
 * settings (including a compare-and-set race across two handles). Each test gets an empty store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/cluster.js';
import { AlreadyExistsError, VersionConflictError } from '../../shared/base/errors.js';
import type { Delivery, StateStore, TokenRecord } from '../../shared/store/port.js';
import { at, ids, type StoreContext } from './store-fixtures.js';

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

export function describeAccounts(ctx: StoreContext): void {
  let store: StateStore;
  const peer = () => ctx.peer();
  beforeEach(() => {
    store = ctx.store();
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
    await store.deliveries.create(aDelivery({ id: 'd1', nextAttemptAt: at(5), createdAt: at(1) }));
    await store.deliveries.create(aDelivery({ id: 'd2', nextAttemptAt: at(3), createdAt: at(2) }));
    await store.deliveries.create(aDelivery({ id: 'd3', nextAttemptAt: at(9), createdAt: at(3) }));
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
}
