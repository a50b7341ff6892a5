/**
 * The SQLite state store (Node only), for the embedded single-host deployment. Each record is a
 * JSON column plus the few indexed columns its queries need. WAL mode with `synchronous=FULL`, so
 * a committed write survives a killed process or host; `busy_timeout` lets several connections or
 * processes share one file. Conditional writes are `UPDATE … WHERE id = ? AND version = ?` and
 * check `changes`, so they hold across connections. A job create or update, with its usage
 * counter changes and its deliveries (the outbox), is one transaction; the writes of one event-loop
 * turn share one commit (`./sqlite/group-commit.node.ts`). The newer tables live in `./sqlite/`.
 */
import type Database from 'better-sqlite3';
import type { Cluster } from '../domain/cluster.js';
import { VersionConflictError } from '../base/errors.js';
import type { Job } from '../domain/job.js';
import { checkLimit, decodeCursor, encodeCursor } from './cursor.js';
import type {
  Delivery,
  IdempotencyRecord,
  StateStore,
  Tenant,
  TokenRecord,
  UsageDelta,
} from './port.js';
import { createSqliteClaims } from './sqlite/claims.node.js';
import { createSqliteLogs } from './sqlite/logs.node.js';
import { insertOnce as insert, parse, parseAll, type Row } from './sqlite/common.node.js';
import { createSqliteMaintenance } from './sqlite/maintenance.node.js';
import { createSqliteHooks, createSqliteSchedules } from './sqlite/tenant-records.node.js';
import { createSqliteUsage } from './sqlite/usage.node.js';
import { addDecisionColumn, jobOf, type JobRow } from './sqlite/job-rows.node.js';
import { createGroupCommit, type GroupCommit } from './sqlite/group-commit.node.js';
import { openSqlite, STORE_SCHEMA as SCHEMA } from './sqlite/schema.node.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a private throwaway database. */
  path: string;
}

export { openSqlite };

/** Creates a store on the SQLite database at `options.path`; the schema is created on open. */
export function createSqliteStore(options: SqliteStoreOptions): StateStore {
  const db = openSqlite(options.path);
  return createSqliteStoreOn(db, createGroupCommit(db)).store;
}

/**
 * The store on an open connection whose writes go through `gc`. Also returns `createJob`, the
 * job create's synchronous write, for a caller that adds its own writes to the same savepoint
 * (the embedded pair's job-and-message transaction, `queue/sqlite-pair.node.ts`).
 */
export function createSqliteStoreOn(
  db: Database.Database,
  gc: GroupCommit,
  /** Log appends in the group commit (default true); `false` is bench:dispatch's baseline. */
  options: { batchLogs?: boolean } = {},
) {
  db.exec(SCHEMA);
  addDecisionColumn(db);
  const usage = createSqliteUsage(db);

  const q = {
    jobInsert: db.prepare(
      `INSERT INTO jobs (id, tenant_id, project, state, created_at, version, body, decision)
       VALUES (@id, @tenantId, @project, @state, @createdAt, @version, @body, @decision)`,
    ),
    jobGet: db.prepare('SELECT body, decision FROM jobs WHERE id = ?'),
    jobGetLean: db.prepare('SELECT body FROM jobs WHERE id = ?'),
    // Reads the expression index `jobs_by_state_updated`: the due rows only, in due order.
    jobsStale: db.prepare(
      `SELECT body, decision FROM jobs WHERE state = ? AND json_extract(body, '$.updatedAt') < ?
       ORDER BY json_extract(body, '$.updatedAt') LIMIT ?`,
    ),
    jobUpdate: db.prepare(
      `UPDATE jobs SET tenant_id = @tenantId, project = @project, state = @state,
       created_at = @createdAt, version = @version + 1, body = @body,
       decision = COALESCE(@decision, decision)
       WHERE id = @id AND version = @version`,
    ),
    clusterPut: db.prepare(
      `INSERT INTO clusters (id, version, body) VALUES (?, 1, json_set(?, '$.version', 1))
       ON CONFLICT (id) DO UPDATE SET version = clusters.version + 1,
       body = json_set(excluded.body, '$.version', clusters.version + 1)
       RETURNING body`,
    ),
    clusterGet: db.prepare('SELECT body FROM clusters WHERE id = ?'),
    clusterList: db.prepare('SELECT body FROM clusters ORDER BY id'),
    clusterUpdate: db.prepare(
      'UPDATE clusters SET version = @version + 1, body = @body WHERE id = @id AND version = @version',
    ),
    tenantInsert: db.prepare('INSERT INTO tenants (id, body) VALUES (?, ?)'),
    tenantGet: db.prepare('SELECT body FROM tenants WHERE id = ?'),
    tokenInsert: db.prepare(
      'INSERT INTO tokens (id, tenant_id, created_at, body) VALUES (@id, @tenantId, @createdAt, @body)',
    ),
    tokenPut: db.prepare(
      `INSERT OR REPLACE INTO tokens (id, tenant_id, created_at, body)
       VALUES (@id, @tenantId, @createdAt, @body)`,
    ),
    tokenGet: db.prepare('SELECT body FROM tokens WHERE id = ?'),
    tokenList: db.prepare('SELECT body FROM tokens WHERE tenant_id = ? ORDER BY created_at, id'),
    idemGet: db.prepare('SELECT body, expires_at FROM idempotency WHERE tenant_id = ? AND key = ?'),
    idemPut: db.prepare(
      `INSERT OR REPLACE INTO idempotency (tenant_id, key, expires_at, body)
       VALUES (@tenantId, @key, @expiresAt, @body)`,
    ),
    idemComplete: db.prepare(
      `UPDATE idempotency SET body = json_set(body, '$.state', 'done', '$.jobId', ?)
       WHERE tenant_id = ? AND key = ?`,
    ),
    idemDelete: db.prepare('DELETE FROM idempotency WHERE tenant_id = ? AND key = ?'),
    deliveryInsert: db.prepare(
      `INSERT INTO deliveries (id, job_id, state, next_attempt_at, created_at, version, body)
       VALUES (@id, @jobId, @state, @nextAttemptAt, @createdAt, @version, @body)`,
    ),
    deliveryPut: db.prepare(
      `INSERT OR REPLACE INTO deliveries
       (id, job_id, state, next_attempt_at, created_at, version, body)
       VALUES (@id, @jobId, @state, @nextAttemptAt, @createdAt, @version, @body)`,
    ),
    deliveryUpdate: db.prepare(
      `UPDATE deliveries SET job_id = @jobId, state = @state, next_attempt_at = @nextAttemptAt,
       created_at = @createdAt, version = @version + 1, body = @body
       WHERE id = @id AND version = @version`,
    ),
    deliveryDue: db.prepare(
      `SELECT body FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?
       ORDER BY next_attempt_at, created_at, id LIMIT ?`,
    ),
    deliveryByJob: db.prepare(
      'SELECT body FROM deliveries WHERE job_id = ? ORDER BY created_at, id',
    ),
    settingGet: db.prepare('SELECT value FROM settings WHERE key = ?'),
    settingInsert: db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)'),
    settingPut: db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)'),
    settingReplace: db.prepare('UPDATE settings SET value = ? WHERE key = ? AND value = ?'),
  };

  /** The row of `job` as `stored`: the decision in a column of its own (see `jobOf`). */
  const jobParams = (job: Job, stored: Job = job) => {
    const { decision, ...body } = stored;
    return {
      id: job.id,
      tenantId: job.tenantId,
      project: job.spec.project,
      state: job.state,
      createdAt: job.createdAt,
      version: job.version,
      body: JSON.stringify(body),
      decision: decision === undefined ? null : JSON.stringify(decision),
    };
  };

  const deliveryParams = (delivery: Delivery) => ({
    ...delivery,
    body: JSON.stringify(delivery),
  });

  /** Stores a job write's deliveries (its outbox), replacing any with the same id. */
  const putDeliveries = (outbox: readonly Delivery[]): void => {
    for (const delivery of outbox) q.deliveryPut.run(deliveryParams(delivery));
  };

  /** The claim's read and write run in one IMMEDIATE transaction: no other writer in between. */
  const claimTx = db.transaction(
    (record: IdempotencyRecord, now: string): IdempotencyRecord | undefined => {
      const existing = q.idemGet.get(record.tenantId, record.key) as
        (Row & { expires_at: string }) | undefined;
      if (existing && existing.expires_at > now) return parse<IdempotencyRecord>(existing);
      q.idemPut.run({ ...record, body: JSON.stringify(record) });
      return undefined;
    },
  );

  /**
   * Checks the version and writes the job (one conditional UPDATE), then applies each usage change
   * checking its `max`, then puts the deliveries (the outbox). Any throw rolls the whole
   * transaction back; IMMEDIATE takes the write lock up front, so no other connection writes
   * between the counter reads and writes.
   */
  const jobUpdateTx = db.transaction(
    (job: Job, changes: readonly UsageDelta[], outbox: readonly Delivery[]): Job => {
      const stored: Job = { ...job, version: job.version + 1 };
      const params = jobParams(job, stored);
      if (q.jobUpdate.run(params).changes !== 1) throw new VersionConflictError(`job ${job.id}`);
      usage.apply(changes);
      putDeliveries(outbox);
      return stored; // what was just serialised: parsing its JSON back cost as much again
    },
  );

  /**
   * Inserts the job (a primary-key violation is `AlreadyExistsError`), then applies each usage
   * change checking its `max` and puts the deliveries, in one IMMEDIATE transaction like
   * `jobUpdateTx`: any throw rolls back the insert, every counter and every delivery.
   */
  const jobCreateTx = db.transaction(
    (job: Job, changes: readonly UsageDelta[], outbox: readonly Delivery[]): void => {
      insert(`job ${job.id}`, () => q.jobInsert.run(jobParams(job)));
      usage.apply(changes);
      putDeliveries(outbox);
    },
  );

  const store = {
    driver: 'sqlite',

    jobs: {
      create(job, changes = [], outbox = []) {
        return gc.run(() => jobCreateTx(job, changes, outbox));
      },
      async get(id, read) {
        const row = (read?.decision === false ? q.jobGetLean : q.jobGet).get(id);
        return row === undefined ? undefined : jobOf(row as JobRow);
      },
      update(job, changes = [], outbox = []) {
        return gc.run(() => jobUpdateTx(job, changes, outbox));
      },
      async list(query) {
        const limit = checkLimit(query.limit);
        const where = ['tenant_id = @tenantId'];
        const params: Record<string, string | number> = { tenantId: query.tenantId };
        if (query.project !== undefined) {
          where.push('project = @project');
          params.project = query.project;
        }
        if (query.state !== undefined) {
          where.push('state = @state');
          params.state = query.state;
        }
        if (query.cursor !== undefined) {
          const after = decodeCursor(query.cursor);
          where.push('(created_at < @afterAt OR (created_at = @afterAt AND id < @afterId))');
          params.afterAt = after.createdAt;
          params.afterId = after.id;
        }
        const rows = db
          .prepare(
            `SELECT body, decision FROM jobs WHERE ${where.join(' AND ')}
             ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`,
          )
          .all(params);
        const items = (rows.slice(0, limit) as JobRow[]).map(jobOf);
        const last = items[items.length - 1];
        return rows.length > limit && last ? { items, nextCursor: encodeCursor(last) } : { items };
      },
      async listByState(states, limit) {
        checkLimit(limit, Number.MAX_SAFE_INTEGER);
        if (states.length === 0) return [];
        const marks = states.map(() => '?').join(', ');
        const rows = db
          .prepare(
            `SELECT body, decision FROM jobs WHERE state IN (${marks}) ORDER BY created_at, id LIMIT ?`,
          )
          .all(...states, limit) as JobRow[];
        return rows.map(jobOf);
      },
      async countByState(states) {
        const counts: Record<string, number> = Object.fromEntries(states.map((s) => [s, 0]));
        if (states.length === 0) return counts;
        const marks = states.map(() => '?').join(', ');
        // Answered from the jobs_by_state index alone.
        const rows = db
          .prepare(`SELECT state, COUNT(*) AS n FROM jobs WHERE state IN (${marks}) GROUP BY state`)
          .all(...states) as Array<{ state: string; n: number }>;
        for (const r of rows) counts[r.state] = Number(r.n);
        return counts;
      },
      async listStale(state, updatedBefore, limit) {
        checkLimit(limit, Number.MAX_SAFE_INTEGER);
        return (q.jobsStale.all(state, updatedBefore, limit) as JobRow[]).map(jobOf);
      },
    },

    clusters: {
      async put(cluster) {
        return parse<Cluster>(q.clusterPut.get(cluster.id, JSON.stringify(cluster)) as Row)!;
      },
      async get(id) {
        return parse<Cluster>(q.clusterGet.get(id) as Row | undefined);
      },
      async list() {
        return parseAll<Cluster>(q.clusterList.all());
      },
      // In the group commit like job writes (a heartbeat's write shares the drain's fsync); it
      // resolves after the commit, with the object it serialised (not its JSON parsed back).
      update(cluster) {
        return gc.run(() => {
          const stored: Cluster = { ...cluster, version: cluster.version + 1 };
          const params = { id: cluster.id, version: cluster.version, body: JSON.stringify(stored) };
          if (q.clusterUpdate.run(params).changes !== 1) {
            throw new VersionConflictError(`cluster ${cluster.id}`);
          }
          return stored;
        });
      },
    },

    tenants: {
      async create(tenant) {
        insert(`tenant ${tenant.id}`, () => q.tenantInsert.run(tenant.id, JSON.stringify(tenant)));
      },
      async get(id) {
        return parse<Tenant>(q.tenantGet.get(id) as Row | undefined);
      },
    },

    tokens: {
      async create(token) {
        insert(`token ${token.id}`, () =>
          q.tokenInsert.run({ ...token, body: JSON.stringify(token) }),
        );
      },
      async get(id) {
        return parse<TokenRecord>(q.tokenGet.get(id) as Row | undefined);
      },
      async listByTenant(tenantId) {
        return parseAll<TokenRecord>(q.tokenList.all(tenantId));
      },
      async put(token) {
        q.tokenPut.run({ ...token, body: JSON.stringify(token) });
      },
    },

    idempotency: {
      claim(record, now) {
        return gc.run(() => claimTx(record, now));
      },
      async complete(tenantId, key, jobId) {
        await gc.run(() => q.idemComplete.run(jobId, tenantId, key));
      },
      async release(tenantId, key) {
        await gc.run(() => q.idemDelete.run(tenantId, key));
      },
    },

    deliveries: {
      create(delivery) {
        return gc.run(() =>
          insert(`delivery ${delivery.id}`, () => q.deliveryInsert.run(deliveryParams(delivery))),
        );
      },
      update(delivery) {
        return gc.run(() => {
          const body = JSON.stringify({ ...delivery, version: delivery.version + 1 });
          if (q.deliveryUpdate.run({ ...delivery, body }).changes !== 1) {
            throw new VersionConflictError(`delivery ${delivery.id}`);
          }
          return JSON.parse(body) as Delivery;
        });
      },
      async listDue(now, limit) {
        checkLimit(limit, Number.MAX_SAFE_INTEGER);
        return parseAll<Delivery>(q.deliveryDue.all(now, limit));
      },
      async listByJob(jobId) {
        return parseAll<Delivery>(q.deliveryByJob.all(jobId));
      },
    },

    settings: {
      async get<T = unknown>(key: string) {
        const row = q.settingGet.get(key) as { value: string } | undefined;
        return row === undefined ? undefined : (JSON.parse(row.value) as T);
      },
      async putIfAbsent(key, value) {
        return q.settingInsert.run(key, JSON.stringify(value) ?? 'null').changes === 1;
      },
      async put(key, value) {
        q.settingPut.run(key, JSON.stringify(value) ?? 'null');
      },
      async replace(key, expected, value) {
        const was = JSON.stringify(expected) ?? 'null';
        return q.settingReplace.run(JSON.stringify(value) ?? 'null', key, was).changes === 1;
      },
    },

    usage: usage.table,
    schedules: createSqliteSchedules(db),
    hooks: createSqliteHooks(db),
    claims: createSqliteClaims(db),
    logs: createSqliteLogs(db, options.batchLogs === false ? undefined : gc),
    maintenance: createSqliteMaintenance(db),

    async close() {
      gc.flush();
      if (db.open) db.close();
    },
  } satisfies StateStore;
  const createJob = (job: Job, changes: readonly UsageDelta[], outbox: readonly Delivery[]) =>
    jobCreateTx(job, changes, outbox);
  return { store: store as StateStore, createJob };
}
