/**
 * The SQLite store keeps a job's decision in a column of its own. A database made before that
 * column existed (decision inside the body) opens, reads back whole, and its rows move the decision
 * to the column on their next write; a lean read then reads the body alone.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { WITHOUT_DECISION } from '../../shared/store/port.js';
import { aJob, at } from '../contract/store-fixtures.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const decision = {
  outcome: 'placed' as const,
  clusterId: 'c1',
  message: 'placed on c1',
  candidates: [{ clusterId: 'c1', feasible: true, score: 1, reasons: ['8 free GPUs'] }],
  evaluatedAt: at(1),
};

it('opens a jobs table made before the decision column and moves the decision on write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-sqlite-decision-'));
  dirs.push(dir);
  const path = join(dir, 'state.db');
  const old = new Database(path);
  old.exec(`CREATE TABLE jobs (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, project TEXT NOT NULL, state TEXT NOT NULL,
    created_at TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL)`);
  const job = aJob({ state: 'dispatched', decision });
  old
    .prepare('INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(job.id, job.tenantId, job.spec.project, job.state, job.createdAt, 1, JSON.stringify(job));
  old.close();

  const store = createSqliteStore({ path });
  expect(await store.jobs.get(job.id)).toEqual(job);
  const lean = (await store.jobs.get(job.id, WITHOUT_DECISION))!;
  expect(lean.decision).toEqual(decision); // still inside the old row's body
  await store.jobs.update({ ...lean, state: 'submitted' });

  const raw = new Database(path, { readonly: true });
  const row = raw.prepare('SELECT body, decision FROM jobs WHERE id = ?').get(job.id) as {
    body: string;
    decision: string;
  };
  raw.close();
  expect(JSON.parse(row.body)).not.toHaveProperty('decision');
  expect(JSON.parse(row.decision)).toEqual(decision);
  expect(await store.jobs.get(job.id, WITHOUT_DECISION)).not.toHaveProperty('decision');
  expect((await store.jobs.get(job.id))?.decision).toEqual(decision);
});
