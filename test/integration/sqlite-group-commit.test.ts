/**
 * Group commit and the embedded pair, on real SQLite files: the writes of one event-loop turn share
 * one transaction and are acknowledged only once committed (a second connection sees them all at
 * that moment, none before); one write's failure rolls back only itself; a new job and its queue
 * message commit together or not at all; an older separate queue file is moved in; the savepoints'
 * statement journal stays in memory.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../shared/base/errors.js';
import { createSqlitePair } from '../../shared/queue/sqlite-pair.node.js';
import { createSqliteQueue } from '../../shared/queue/sqlite.node.js';
import { createGroupCommit } from '../../shared/store/sqlite/group-commit.node.js';
import { openSqlite } from '../../shared/store/sqlite.node.js';
import { aJob } from '../contract/store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-group-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `db-${n++}.db`);

describe('group commit', () => {
  it('writes of one turn share one transaction, acknowledged only after its commit', async () => {
    const path = freshPath();
    const db = openSqlite(path);
    db.exec('CREATE TABLE t (i INTEGER)');
    const peer = new Database(path, { readonly: true });
    const gc = createGroupCommit(db);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const count = () => (peer.prepare('SELECT count(*) AS c FROM t').get() as { c: number }).c;
    const seenByPeer: number[] = [];
    const inTransaction: boolean[] = [];
    const writes = Array.from({ length: 50 }, (_, i) =>
      gc.run(() => {
        insert.run(i);
        inTransaction.push(db.inTransaction);
        seenByPeer.push(count());
        return i;
      }),
    );
    // The first acknowledgement comes when all 50 are durable, not one by one.
    const first = await Promise.race(writes);
    expect(first).toBe(0);
    expect(count()).toBe(50);
    expect(await Promise.all(writes)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(inTransaction.every(Boolean)).toBe(true);
    expect(seenByPeer).toEqual(Array(50).fill(0));
    peer.close();
    db.close();
  });

  it('a failing write rolls back alone; the others of its batch commit', async () => {
    const db = openSqlite(freshPath());
    db.exec('CREATE TABLE t (i INTEGER PRIMARY KEY)');
    const gc = createGroupCommit(db);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const results = await Promise.allSettled([
      gc.run(() => insert.run(1)),
      gc.run(() => {
        insert.run(2);
        insert.run(1); // primary-key violation: 2 must go too
      }),
      gc.run(() => insert.run(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT i FROM t ORDER BY i').pluck().all()).toEqual([1, 3]);
    db.close();
  });

  // SQLite spills a statement journal past 64 KiB to a deleted temporary file (`etilqs_*`), which
  // cost two pwrite calls per page each savepoint touched; group commit keeps it in memory.
  it.skipIf(process.platform !== 'linux')(
    "keeps the savepoints' statement journal off disk, and still rolls a failed write back",
    async () => {
      const db = openSqlite(freshPath());
      db.exec('CREATE TABLE t (i INTEGER PRIMARY KEY, pad TEXT)');
      const fill = db.prepare('INSERT INTO t VALUES (?, ?)');
      for (let i = 0; i < 200; i++) fill.run(i, 'x'.repeat(2000));
      const gc = createGroupCommit(db);
      const touchAll = db.prepare('UPDATE t SET pad = ?');
      const tempFiles = () =>
        readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`).includes('etilqs_');
          } catch {
            return false; // closed meanwhile
          }
        }).length;
      const seen: number[] = [];
      const writes = Array.from({ length: 10 }, (_, w) =>
        gc.run(() => {
          touchAll.run(String(w).repeat(2000)); // every page of t, about 400 KiB, in this savepoint
          seen.push(tempFiles());
          if (w === 9) throw new Error('the last write fails');
        }),
      );
      const results = await Promise.allSettled(writes);
      expect(results.map((r) => r.status)).toEqual([...Array(9).fill('fulfilled'), 'rejected']);
      expect(seen).toEqual(Array(10).fill(0));
      expect(db.prepare('SELECT DISTINCT pad FROM t').pluck().all()).toEqual(['8'.repeat(2000)]);
      db.close();
    },
  );

  it('keeps synchronous=FULL and WAL on the connection it batches', () => {
    const db = openSqlite(freshPath());
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('the embedded SQLite pair', () => {
  it('stores a job and publishes its message in one transaction, or neither', async () => {
    const pair = createSqlitePair({ path: freshPath() });
    const job = aJob({ id: 'job-first' });
    const message = { queue: 'aws', body: { kind: 'create', jobId: job.id } };
    await pair.jobPublish.createAndPublish(job, [{ key: 'q', delta: 1, max: 1 }], [], message);
    expect((await pair.store.jobs.get(job.id))?.id).toBe(job.id);
    const [got] = await pair.queue.pull('aws', { max: 10, visibilityMs: 60_000 });
    expect(got?.body).toEqual(message.body);

    // Over the quota: the job, its counter and its message are all rolled back.
    const refused = aJob({ id: 'job-over-quota' });
    const again = { queue: 'aws', body: { kind: 'create', jobId: refused.id } };
    await expect(
      pair.jobPublish.createAndPublish(refused, [{ key: 'q', delta: 1, max: 1 }], [], again),
    ).rejects.toBeInstanceOf(QuotaExceededError);
    expect(await pair.store.jobs.get(refused.id)).toBeUndefined();
    expect(await pair.queue.pull('aws', { max: 10, visibilityMs: 60_000 })).toEqual([]);
    expect(await pair.store.usage.get(['q'])).toEqual({ q: 1 });
    await pair.queue.close();
    await pair.store.close();
  });

  it('moves the messages of an older separate queue file into the database, once', async () => {
    const legacyQueuePath = freshPath();
    const old = createSqliteQueue({ path: legacyQueuePath });
    await old.publish('gcp', { n: 1 });
    await old.publish('gcp', { n: 2 });
    await old.close();
    const path = freshPath();
    const pair = createSqlitePair({ path, legacyQueuePath });
    const pulled = await pair.queue.pull('gcp', { max: 10, visibilityMs: 60_000 });
    expect(pulled.map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(existsSync(legacyQueuePath)).toBe(false);
    expect(existsSync(`${legacyQueuePath}.moved`)).toBe(true);
    await pair.store.close();
    // Opening again finds nothing left to move, and the messages stay (in flight) where they are.
    const reopened = createSqlitePair({ path, legacyQueuePath });
    expect(await reopened.queue.pull('gcp', { max: 10, visibilityMs: 60_000 })).toEqual([]);
    await reopened.store.close();
  });
});
