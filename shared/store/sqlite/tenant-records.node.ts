/**
 * Versioned records owned by a tenant, in SQLite: schedules and hooks. Both are a JSON body plus
 * `id`, `tenant_id` and `version` columns; schedules add the columns `listDue` needs. Updates are
 * `UPDATE … WHERE id = ? AND version = ?`, so they hold across connections.
 */
import type Database from 'better-sqlite3';
import { VersionConflictError } from '../../base/errors.js';
import { checkLimit } from '../cursor.js';
import type { Hook, HookTable, Schedule, ScheduleTable } from '../port.js';
import { insertOnce, parse, parseAll } from './common.node.js';

type TenantRecord = { id: string; tenantId: string; version: number };

interface TableSpec<T> {
  table: string;
  /** The record's name in error messages. */
  what: string;
  /** Extra indexed columns: SQL type and how to read the value from a record. */
  columns?: Record<string, { type: 'TEXT' | 'INTEGER'; of: (record: T) => string | number }>;
  /** Extra `CREATE INDEX` statements. */
  indexes?: string;
}

function createTenantTable<T extends TenantRecord>(db: Database.Database, spec: TableSpec<T>) {
  const { table, what, columns = {} } = spec;
  const extra = Object.keys(columns);
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${table} (
      id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, version INTEGER NOT NULL,
      ${extra.map((c) => `${c} ${columns[c]!.type} NOT NULL, `).join('')}body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS ${table}_by_tenant ON ${table} (tenant_id, id);
    ${spec.indexes ?? ''}`);
  const names = ['id', 'tenant_id', 'version', ...extra, 'body'];
  const q = {
    insert: db.prepare(
      `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map((c) => `@${c}`).join(', ')})`,
    ),
    get: db.prepare(`SELECT body FROM ${table} WHERE id = ?`),
    update: db.prepare(
      `UPDATE ${table} SET tenant_id = @tenant_id, version = @version + 1,
       ${extra.map((c) => `${c} = @${c}, `).join('')}body = @body
       WHERE id = @id AND version = @version`,
    ),
    delete: db.prepare(`DELETE FROM ${table} WHERE id = ?`),
    byTenant: db.prepare(`SELECT body FROM ${table} WHERE tenant_id = ? ORDER BY id`),
  };
  const params = (record: T, body: T = record) => ({
    id: record.id,
    tenant_id: record.tenantId,
    version: record.version,
    ...Object.fromEntries(extra.map((c) => [c, columns[c]!.of(record)])),
    body: JSON.stringify(body),
  });

  return {
    async create(record: T) {
      insertOnce(`${what} ${record.id}`, () => q.insert.run(params(record)));
    },
    async get(id: string) {
      return parse<T>(q.get.get(id));
    },
    async update(record: T) {
      const stored = { ...record, version: record.version + 1 };
      if (q.update.run(params(record, stored)).changes !== 1) {
        throw new VersionConflictError(`${what} ${record.id}`);
      }
      return structuredClone(stored);
    },
    async delete(id: string) {
      return q.delete.run(id).changes === 1;
    },
    async listByTenant(tenantId: string) {
      return parseAll<T>(q.byTenant.all(tenantId));
    },
  };
}

export function createSqliteSchedules(db: Database.Database): ScheduleTable {
  const table = createTenantTable<Schedule>(db, {
    table: 'schedules',
    what: 'schedule',
    columns: {
      suspended: { type: 'INTEGER', of: (s) => (s.suspended ? 1 : 0) },
      next_fire_at: { type: 'TEXT', of: (s) => s.nextFireAt },
    },
    indexes: 'CREATE INDEX IF NOT EXISTS schedules_due ON schedules (suspended, next_fire_at, id);',
  });
  const dueQ = db.prepare(
    `SELECT body FROM schedules WHERE suspended = 0 AND next_fire_at <= ?
     ORDER BY next_fire_at, id LIMIT ?`,
  );
  return {
    ...table,
    async listDue(now, limit) {
      checkLimit(limit, Number.MAX_SAFE_INTEGER);
      return parseAll<Schedule>(dueQ.all(now, limit));
    },
  };
}

export function createSqliteHooks(db: Database.Database): HookTable {
  return createTenantTable<Hook>(db, { table: 'hooks', what: 'hook' });
}
