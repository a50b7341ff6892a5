/**
 * Maintenance plans in SQLite: a JSON body with `id` and `version` columns; updates are
 * `UPDATE … WHERE id = ? AND version = ?`, so a plan advanced by two sweeps changes once.
 */
import type Database from 'better-sqlite3';
import { VersionConflictError } from '../../base/errors.js';
import type { MaintenancePlan } from '../../domain/maintenance.js';
import type { MaintenancePlanTable } from '../port.js';
import { insertOnce, parse, parseAll } from './common.node.js';

export function createSqliteMaintenance(db: Database.Database): MaintenancePlanTable {
  db.exec(`CREATE TABLE IF NOT EXISTS maintenance_plans (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL);`);
  const q = {
    insert: db.prepare('INSERT INTO maintenance_plans (id, version, body) VALUES (?, ?, ?)'),
    get: db.prepare('SELECT body FROM maintenance_plans WHERE id = ?'),
    update: db.prepare(
      'UPDATE maintenance_plans SET version = version + 1, body = ? WHERE id = ? AND version = ?',
    ),
    list: db.prepare('SELECT body FROM maintenance_plans ORDER BY id'),
  };
  return {
    async create(plan) {
      insertOnce(`maintenance plan ${plan.id}`, () =>
        q.insert.run(plan.id, plan.version, JSON.stringify(plan)),
      );
    },
    async get(id) {
      return parse<MaintenancePlan>(q.get.get(id));
    },
    async update(plan) {
      const stored = { ...plan, version: plan.version + 1 };
      if (q.update.run(JSON.stringify(stored), plan.id, plan.version).changes !== 1) {
        throw new VersionConflictError(`maintenance plan ${plan.id}`);
      }
      return structuredClone(stored);
    },
    async list() {
      return parseAll<MaintenancePlan>(q.list.all());
    },
  };
}
