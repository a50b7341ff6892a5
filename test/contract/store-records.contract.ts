/**
 * StateStore contract: the tenant-owned versioned tables (schedules and hooks) share one table of
 * tests; schedules add `listDue`. Records are named by `uniqueId`, and `listDue` is checked only
 * through properties that hold when other tests' schedules share the table.
 */
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, VersionConflictError } from '../../shared/base/errors.js';
import type { Hook, Schedule, StateStore } from '../../shared/store/port.js';
import { aHook, aSchedule, at, ids, type StoreContext, uniqueId } from './store-fixtures.js';

type Versioned = { id: string; tenantId: string; version: number };

/** What `ScheduleTable` and `HookTable` have in common. */
interface VersionedTable<T> {
  create(record: T): Promise<void>;
  get(id: string): Promise<T | undefined>;
  update(record: T): Promise<T>;
  delete(id: string): Promise<boolean>;
  listByTenant(tenantId: string): Promise<T[]>;
}

interface TenantTableCase<T extends Versioned> {
  name: string;
  table: (store: StateStore) => VersionedTable<T>;
  build: (over: { id: string; tenantId?: string }) => T;
  /** A change to make in an update. */
  change: Partial<T>;
  /** Mutates a nested field of a record handed out, to check it was a copy. */
  mutate: (record: T) => void;
}

const scheduleCase: TenantTableCase<Schedule> = {
  name: 'schedules',
  table: (s) => s.schedules,
  build: aSchedule,
  change: { suspended: true, activeJobIds: ['job-9'] },
  mutate: (s) => s.activeJobIds.push('mutated'),
};

const hookCase: TenantTableCase<Hook> = {
  name: 'hooks',
  table: (s) => s.hooks,
  build: aHook,
  change: { secrets: ['s1', 's2'] },
  mutate: (h) => h.secrets.push('mutated'),
};

function describeTenantTable<T extends Versioned>(ctx: StoreContext, c: TenantTableCase<T>) {
  describe(c.name, () => {
    const table = () => c.table(ctx.store());

    it('create, get, AlreadyExists; a missing id is undefined', async () => {
      const record = c.build({ id: uniqueId(c.name), tenantId: uniqueId('tenant') });
      await table().create(record);
      expect(await table().get(record.id)).toEqual(record);
      await expect(table().create({ ...record, ...c.change })).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect(await table().get(record.id)).toEqual(record);
      expect(await table().get(uniqueId('missing'))).toBeUndefined();
    });

    it('update is conditional on the version and hands out copies', async () => {
      const record = c.build({ id: uniqueId(c.name), tenantId: uniqueId('tenant') });
      await table().create(record);
      const updated = await table().update({ ...record, ...c.change });
      expect(updated).toEqual({ ...record, ...c.change, version: record.version + 1 });
      expect(await table().get(record.id)).toEqual(updated);
      const before = structuredClone(updated);
      c.mutate(updated);
      expect(await table().get(record.id)).toEqual(before);
      await expect(table().update(record)).rejects.toBeInstanceOf(VersionConflictError);
      const ghost = c.build({ id: uniqueId('ghost') });
      await expect(table().update(ghost)).rejects.toBeInstanceOf(VersionConflictError);
      expect(await table().get(ghost.id)).toBeUndefined();
    });

    it('delete resolves true once, then false', async () => {
      const record = c.build({ id: uniqueId(c.name), tenantId: uniqueId('tenant') });
      await table().create(record);
      expect(await table().delete(record.id)).toBe(true);
      expect(await table().get(record.id)).toBeUndefined();
      expect(await table().delete(record.id)).toBe(false);
      // The id is free again.
      await table().create(record);
      expect(await table().get(record.id)).toEqual(record);
    });

    it('listByTenant returns only that tenant’s records, sorted by id', async () => {
      const [tenant, other] = [uniqueId('tenant'), uniqueId('tenant')];
      const base = uniqueId(c.name);
      for (const [suffix, tenantId] of [
        ['b', tenant],
        ['c', other],
        ['a', tenant],
        ['a0', tenant],
      ] as const) {
        await table().create(c.build({ id: `${base}-${suffix}`, tenantId }));
      }
      const listed = ids(await table().listByTenant(tenant));
      expect(listed).toEqual([`${base}-a`, `${base}-a0`, `${base}-b`]);
      expect(ids(await table().listByTenant(other))).toEqual([`${base}-c`]);
      expect(await table().listByTenant(uniqueId('nobody'))).toEqual([]);
    });
  });
}

export function describeTenantTables(ctx: StoreContext): void {
  describeTenantTable(ctx, scheduleCase);
  describeTenantTable(ctx, hookCase);

  describe('schedules.listDue', () => describeListDue(ctx));
}

function describeListDue(ctx: StoreContext): void {
  it('not suspended, nextFireAt <= now, earliest first, up to limit', async () => {
    const store = ctx.store();
    const base = uniqueId('sch-due');
    const mine = (items: Schedule[]) => ids(items).filter((id) => id.startsWith(`${base}-`));
    const due = (now: string, limit = 500) => store.schedules.listDue(now, limit);
    const make = (suffix: string, fireAt: number, over: Partial<Schedule> = {}) =>
      aSchedule({ id: `${base}-${suffix}`, nextFireAt: at(fireAt), ...over });
    for (const s of [
      make('c', 30),
      make('a', 10),
      make('later', 60),
      make('b', 20, { tenantId: uniqueId('tenant') }),
      make('paused', 5, { suspended: true }),
    ]) {
      await store.schedules.create(s);
    }
    const now = at(30);
    const found = await due(now);
    // At `now` exactly counts as due; suspended and future schedules are left out.
    expect(mine(found)).toEqual([`${base}-a`, `${base}-b`, `${base}-c`]);
    // Whatever else shares the table, every result is due, unsuspended and in order.
    for (const s of found) expect(s.suspended === false && s.nextFireAt <= now).toBe(true);
    const times = found.map((s) => s.nextFireAt);
    expect(times).toEqual([...times].sort());
    // A limit returns the first `limit` of the same order.
    expect(ids(await due(now, 2))).toEqual(ids(found).slice(0, 2));
    await expect(due(now, 0)).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    // Updates move schedules in and out of the due set.
    const paused = (await store.schedules.get(`${base}-paused`))!;
    await store.schedules.update({ ...paused, suspended: false });
    const a = (await store.schedules.get(`${base}-a`))!;
    await store.schedules.update({ ...a, nextFireAt: at(90) });
    expect(mine(await due(now))).toEqual([`${base}-paused`, `${base}-b`, `${base}-c`]);
    await store.schedules.delete(`${base}-b`);
    expect(mine(await due(at(100)))).toEqual([
      `${base}-paused`,
      `${base}-c`,
      `${base}-later`,
      `${base}-a`,
    ]);
  });
}
