/**
 * The in-memory state store: the default for unit tests and single-process demos. Edge-safe.
 * Records are deep-copied in and out, so a caller can never change stored state by mutating an
 * object it passed in or got back. Every method runs to completion without awaiting, which makes
 * each one atomic, the way a conditional write is on the durable drivers.
 */
import type { Clock } from '../base/clock.js';
import type { Cluster } from '../domain/cluster.js';
import type { Job } from '../domain/job.js';
import { createMemoryMaintenance } from './memory-maintenance.js';
import {
  checkLimit,
  compareNewestFirst,
  compareOldestFirst,
  decodeCursor,
  encodeCursor,
  isAfterCursor,
} from './cursor.js';
import {
  conditionalUpdate,
  copy,
  createMemoryClaims,
  createMemoryHooks,
  createMemorySchedules,
  createMemoryUsage,
  createOnce,
  jobSideEffects,
} from './memory-tables.js';
import { createMemoryLogs } from './memory-logs.js';
import type {
  Delivery,
  IdempotencyRecord,
  JobQuery,
  Page,
  StateStore,
  Tenant,
  TokenRecord,
} from './port.js';

export interface MemoryStoreOptions {
  /** Accepted for symmetry with the other drivers; the port passes `now` where it needs time. */
  clock?: Clock;
}

/** Creates an empty in-memory store. */
export function createMemoryStore(_options: MemoryStoreOptions = {}): StateStore {
  const jobs = new Map<string, Job>();
  const clusters = new Map<string, Cluster>();
  const tenants = new Map<string, Tenant>();
  const tokens = new Map<string, TokenRecord>();
  const idempotency = new Map<string, IdempotencyRecord>();
  const deliveries = new Map<string, Delivery>();
  const settings = new Map<string, unknown>();
  const usage = createMemoryUsage();
  const idemKey = (tenantId: string, key: string) => JSON.stringify([tenantId, key]);

  return {
    driver: 'memory',

    jobs: {
      async create(job, changes = [], outbox = []) {
        createOnce(jobs, job.id, job, 'job', jobSideEffects(usage, changes, deliveries, outbox));
      },
      async get(id, read) {
        const job = jobs.get(id);
        if (!job || read?.decision !== false) return job && copy(job);
        const { decision: _left, ...lean } = job;
        return copy(lean);
      },
      async update(job, changes = [], outbox = []) {
        // A lean read's copy keeps the stored decision (see `JobTable.update`).
        const kept = job.decision === undefined ? jobs.get(job.id)?.decision : undefined;
        return conditionalUpdate(
          jobs,
          kept ? { ...job, decision: kept } : job,
          'job',
          jobSideEffects(usage, changes, deliveries, outbox),
        );
      },
      async list(query: JobQuery): Promise<Page<Job>> {
        const limit = checkLimit(query.limit);
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        const matching = [...jobs.values()]
          .filter(
            (j) =>
              j.tenantId === query.tenantId &&
              (query.project === undefined || j.spec.project === query.project) &&
              (query.state === undefined || j.state === query.state) &&
              (after === undefined || isAfterCursor(j, after)),
          )
          .sort(compareNewestFirst);
        const items = matching.slice(0, limit).map(copy);
        const last = items[items.length - 1];
        return matching.length > limit && last
          ? { items, nextCursor: encodeCursor(last) }
          : { items };
      },
      async listByState(states, limit) {
        checkLimit(limit, Number.MAX_SAFE_INTEGER);
        const wanted = new Set(states);
        return [...jobs.values()]
          .filter((j) => wanted.has(j.state))
          .sort(compareOldestFirst)
          .slice(0, limit)
          .map(copy);
      },
      async countByState(states) {
        const counts: Record<string, number> = Object.fromEntries(states.map((s) => [s, 0]));
        for (const j of jobs.values()) if (j.state in counts) counts[j.state]! += 1;
        return counts;
      },
      async listStale(state, updatedBefore, limit) {
        checkLimit(limit, Number.MAX_SAFE_INTEGER);
        return [...jobs.values()]
          .filter((j) => j.state === state && j.updatedAt < updatedBefore)
          .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || compareOldestFirst(a, b))
          .slice(0, limit)
          .map(copy);
      },
    },

    clusters: {
      async put(cluster) {
        const stored = { ...copy(cluster), version: (clusters.get(cluster.id)?.version ?? 0) + 1 };
        clusters.set(cluster.id, stored);
        return copy(stored);
      },
      async get(id) {
        const cluster = clusters.get(id);
        return cluster && copy(cluster);
      },
      async list() {
        return [...clusters.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(copy);
      },
      async update(cluster) {
        return conditionalUpdate(clusters, cluster, 'cluster');
      },
    },

    tenants: {
      async create(tenant) {
        createOnce(tenants, tenant.id, tenant, 'tenant');
      },
      async get(id) {
        const tenant = tenants.get(id);
        return tenant && copy(tenant);
      },
    },

    tokens: {
      async create(token) {
        createOnce(tokens, token.id, token, 'token');
      },
      async get(id) {
        const token = tokens.get(id);
        return token && copy(token);
      },
      async listByTenant(tenantId) {
        return [...tokens.values()]
          .filter((t) => t.tenantId === tenantId)
          .sort(compareOldestFirst)
          .map(copy);
      },
      async put(token) {
        tokens.set(token.id, copy(token));
      },
    },

    idempotency: {
      async claim(record, now) {
        const key = idemKey(record.tenantId, record.key);
        const existing = idempotency.get(key);
        if (existing && existing.expiresAt > now) return copy(existing);
        idempotency.set(key, copy(record));
        return undefined;
      },
      async complete(tenantId, key, jobId) {
        const existing = idempotency.get(idemKey(tenantId, key));
        if (existing)
          idempotency.set(idemKey(tenantId, key), { ...existing, state: 'done', jobId });
      },
      async release(tenantId, key) {
        idempotency.delete(idemKey(tenantId, key));
      },
    },

    deliveries: {
      async create(delivery) {
        createOnce(deliveries, delivery.id, delivery, 'delivery');
      },
      async update(delivery) {
        return conditionalUpdate(deliveries, delivery, 'delivery');
      },
      async listDue(now, limit) {
        checkLimit(limit, Number.MAX_SAFE_INTEGER);
        return [...deliveries.values()]
          .filter((d) => d.state === 'pending' && d.nextAttemptAt <= now)
          .sort(
            (a, b) =>
              (a.nextAttemptAt < b.nextAttemptAt
                ? -1
                : a.nextAttemptAt > b.nextAttemptAt
                  ? 1
                  : 0) || compareOldestFirst(a, b),
          )
          .slice(0, limit)
          .map(copy);
      },
      async listByJob(jobId) {
        return [...deliveries.values()]
          .filter((d) => d.jobId === jobId)
          .sort(compareOldestFirst)
          .map(copy);
      },
    },

    settings: {
      async get<T = unknown>(key: string) {
        return settings.has(key) ? copy(settings.get(key) as T) : undefined;
      },
      async putIfAbsent(key, value) {
        if (settings.has(key)) return false;
        settings.set(key, copy(value));
        return true;
      },
      async put(key, value) {
        settings.set(key, copy(value));
      },
      async replace(key, expected, value) {
        if (!settings.has(key)) return false;
        if (JSON.stringify(settings.get(key)) !== JSON.stringify(expected)) return false;
        settings.set(key, copy(value));
        return true;
      },
    },

    usage: { get: usage.get, list: usage.list },
    schedules: createMemorySchedules(),
    hooks: createMemoryHooks(),
    claims: createMemoryClaims(),
    logs: createMemoryLogs(),
    maintenance: createMemoryMaintenance(),

    async close() {},
  } satisfies StateStore;
}
