/**
 * A job's row keeps its placement decision in a `decision` column of its own, beside the `body`
 * with everything else: the decision explains every candidate cluster (tens of KB with a hundred
 * clusters) and only the job's view and `explain` need it, so the drain path's lean reads
 * (`JobTable.get(id, { decision: false })`) read and parse the body alone, and an update without a
 * decision leaves the column as it is. Rows written before the column existed keep their decision
 * inside the body; their next write moves it to the column.
 */
import type Database from 'better-sqlite3';
import type { Job } from '../../domain/job.js';

export type JobRow = { body: string; decision?: string | null };

export function jobOf(row: JobRow): Job {
  const job = JSON.parse(row.body) as Job;
  if (row.decision) job.decision = JSON.parse(row.decision) as Job['decision'];
  return job;
}

/** Adds the `decision` column to a `jobs` table made before it existed. */
export function addDecisionColumn(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'decision'))
    db.exec('ALTER TABLE jobs ADD COLUMN decision TEXT');
}
