/**
 * Writes a backlog straight into a fresh embedded `state.db`: `pending` pending jobs, 1,000
 * dispatched jobs of which the oldest 100 were last written 10 minutes ago (due for redispatch),
 * and one cluster. One transaction of prepared inserts, so a million rows take seconds, not the
 * hours the API would. The schema is the store's own (created by opening it).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Job } from '../../../shared/domain/job.js';
import { createSqliteStore } from '../../../shared/store/sqlite.node.js';
import { aJob } from '../../contract/store-fixtures.js';

export const DISPATCHED = 1_000;
export const DUE = 100;

/** Returns the file and the time the rows were written as of (the measuring clock starts there). */
export function generateBacklog(dir: string, pending: number): { path: string; now: number } {
  const path = join(dir, 'state.db');
  const now = Date.now();
  void createSqliteStore({ path }).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    `INSERT INTO jobs (id, tenant_id, project, state, created_at, version, body)
     VALUES (?, ?, ?, ?, ?, 1, ?)`,
  );
  const put = (job: Job) =>
    insert.run(
      job.id,
      job.tenantId,
      job.spec.project,
      job.state,
      job.createdAt,
      JSON.stringify(job),
    );
  const iso = (ms: number) => new Date(ms).toISOString();
  db.transaction(() => {
    for (let i = 0; i < pending; i++) {
      const at = iso(now - 3_600_000 + Math.floor((i * 3_000_000) / pending));
      put(
        aJob({
          id: `p${i}`,
          tenantId: `t${i % 50}`,
          state: 'pending',
          createdAt: at,
          updatedAt: at,
        }),
      );
    }
    for (let i = 0; i < DISPATCHED; i++) {
      const updated = iso(i < DUE ? now - 600_000 : now);
      const placement = {
        clusterId: 'c1',
        queue: 'aws',
        namespace: 'ns',
        kubeName: `sy-d${i}`,
        attempt: 1,
      };
      put(
        aJob({
          id: `d${i}`,
          state: 'dispatched',
          createdAt: iso(now - 3_700_000 + i),
          updatedAt: updated,
          placement,
        }),
      );
    }
    db.prepare('INSERT INTO clusters (id, version, body) VALUES (?, 1, ?)').run(
      'c1',
      JSON.stringify({
        id: 'c1',
        cloud: 'aws',
        region: 'us-east-1',
        labels: {},
        queue: 'aws',
        state: 'active',
        pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
        version: 1,
        updatedAt: iso(now),
      }),
    );
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { path, now };
}
