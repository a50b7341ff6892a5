/**
 * The building blocks of the in-memory store: deep-copying map helpers, the usage counters, the
 * tenant-scoped versioned tables (schedules, hooks) and the claims. Edge-safe. Like the rest of
 * the memory driver, every method runs to completion without awaiting, so each one is atomic.
 */
import { AlreadyExistsError, VersionConflictError } from '../base/errors.js';
import { checkLimit, compareById, compareDue, compareText, nextUsage } from './cursor.js';
import type {
  ClaimTable,
  Delivery,
  Hook,
  HookTable,
  Schedule,
  ScheduleTable,
  UsageDelta,
  UsageTable,
} from './port.js';

export const copy = <T>(value: T): T => structuredClone(value);

/**
 * Stores `record` only if the stored version equals `record.version`; returns it bumped.
 * `beforeWrite` runs after the version check, as the last step before the record is stored (it is
 * copied first, so nothing can throw after `beforeWrite`): if it throws, nothing changes.
 */
export function conditionalUpdate<T extends { id: string; version: number }>(
  map: Map<string, T>,
  record: T,
  what: string,
  beforeWrite?: () => void,
): T {
  const stored = map.get(record.id);
  if (!stored || stored.version !== record.version) {
    throw new VersionConflictError(`${what} ${record.id}`);
  }
  const next = { ...copy(record), version: record.version + 1 };
  const result = copy(next);
  beforeWrite?.();
  map.set(record.id, next);
  return result;
}

/**
 * Stores `record` only if `id` is absent. `beforeWrite` runs after the existence check, as the
 * last step before the record is stored (it is copied first): if it throws, nothing changes.
 */
export function createOnce<T>(
  map: Map<string, T>,
  id: string,
  record: T,
  what: string,
  beforeWrite?: () => void,
): void {
  if (map.has(id)) throw new AlreadyExistsError(`${what} ${id}`);
  const stored = copy(record);
  beforeWrite?.();
  map.set(id, stored);
}

/**
 * The `beforeWrite` of a job write: applies the usage changes (which throws, changing nothing, on
 * a quota) and then puts every delivery, replacing any with the same id: the job's outbox, written
 * in the same synchronous step as the job. The deliveries are copied before anything changes.
 */
export function jobSideEffects(
  usage: { apply(changes: readonly UsageDelta[]): void },
  changes: readonly UsageDelta[],
  deliveries: Map<string, Delivery>,
  outbox: readonly Delivery[],
): () => void {
  return () => {
    const copies = outbox.map(copy);
    usage.apply(changes);
    for (const delivery of copies) deliveries.set(delivery.id, delivery);
  };
}

/** Counters that start at 0; `apply` changes all of them or none. */
export function createMemoryUsage(): UsageTable & {
  apply(changes: readonly UsageDelta[]): void;
} {
  const counters = new Map<string, number>();
  return {
    /** Works out every new value first (throwing before any change), then stores them. */
    apply(changes) {
      const next = new Map<string, number>();
      for (const change of changes) {
        const current = next.get(change.key) ?? counters.get(change.key) ?? 0;
        next.set(change.key, nextUsage(current, change));
      }
      for (const [key, value] of next) counters.set(key, value);
    },
    async get(keys) {
      return Object.fromEntries(keys.map((key) => [key, counters.get(key) ?? 0]));
    },
    async list(prefix) {
      const keys = [...counters.keys()].filter((key) => key.startsWith(prefix));
      return Object.fromEntries(keys.sort(compareText).map((key) => [key, counters.get(key)!]));
    },
  };
}

type TenantRecord = { id: string; tenantId: string; version: number };

/** A table of versioned records owned by a tenant: the shape schedules and hooks share. */
function createTenantTable<T extends TenantRecord>(what: string) {
  const records = new Map<string, T>();
  return {
    records,
    table: {
      async create(record: T) {
        createOnce(records, record.id, record, what);
      },
      async get(id: string) {
        const record = records.get(id);
        return record && copy(record);
      },
      async update(record: T) {
        return conditionalUpdate(records, record, what);
      },
      async delete(id: string) {
        return records.delete(id);
      },
      async listByTenant(tenantId: string) {
        return [...records.values()]
          .filter((r) => r.tenantId === tenantId)
          .sort(compareById)
          .map(copy);
      },
    },
  };
}

export function createMemorySchedules(): ScheduleTable {
  const { records, table } = createTenantTable<Schedule>('schedule');
  return {
    ...table,
    async listDue(now, limit) {
      checkLimit(limit, Number.MAX_SAFE_INTEGER);
      return [...records.values()]
        .filter((s) => !s.suspended && s.nextFireAt <= now)
        .sort(compareDue)
        .slice(0, limit)
        .map(copy);
    },
  };
}

export function createMemoryHooks(): HookTable {
  return createTenantTable<Hook>('hook').table;
}

export function createMemoryClaims(): ClaimTable {
  const claims = new Map<string, string>();
  return {
    async claim(key, expiresAt, now) {
      const held = claims.get(key);
      if (held !== undefined && held > now) return false;
      claims.set(key, expiresAt);
      return true;
    },
  };
}
