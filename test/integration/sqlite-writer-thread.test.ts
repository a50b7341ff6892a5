// The embedded pair with its writes on a writer thread (`store.sqlite.writer: thread`): the whole
// embedded system runs a job to the end on it; and what the store and queue contracts cannot see
// from outside — writes still queued when the pair closes are committed first; a thread that
// cannot open the database fails the start with a clear message instead of hanging; and the cases
// it cannot serve are refused at construction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { AlreadyExistsError } from '../../shared/base/errors.js';
import { createSqlitePair } from '../../shared/queue/sqlite-pair.node.js';
import { startSqliteWriter } from '../../shared/queue/sqlite-writer.node.js';
import { createFakeClock } from '../contract/queue.contract.js';
import { startEmbedded } from '../../functions/server/embedded.js';
import { systemClock } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import { oneClusterConfig, submitAndWait } from '../support/embedded-jobs.js';
import { aJob, uniqueId } from '../contract/store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('runs the embedded system: a job submitted over HTTP runs to succeeded, its events stored', async () => {
  const config = oneClusterConfig('writer thread test', join(dir, 'embedded'), 'sim-t', 1, {
    store: { sqlite: { writer: 'thread' } },
  });
  const emb = await startEmbedded(config, silentLogger, systemClock);
  try {
    const { id, job } = await submitAndWait(emb, 'threaded', {
      states: ['succeeded'],
      what: 'the job to succeed',
      ms: 20_000,
    });
    expect(job.clusterId).toBe('sim-t');
    const view = (await (
      await fetch(`${emb.url}/v1/jobs/${id}`, {
        headers: { authorization: `Bearer ${emb.adminToken}` },
      })
    ).json()) as { events: Array<{ state: string }> };
    expect(view.events.map((e) => e.state)).toEqual(
      expect.arrayContaining(['received', 'dispatched', 'submitted', 'succeeded']),
    );
  } finally {
    await emb.close();
  }
});

it('commits every write still waiting when the pair closes, and they read back after reopening', async () => {
  const path = join(dir, 'close.db');
  const pair = createSqlitePair({ path, writer: 'thread' });
  await pair.ready;
  const jobs = Array.from({ length: 50 }, () => aJob({ id: uniqueId('job') }));
  const writes = jobs.map((j) => pair.store.jobs.create(j));
  const published = pair.queue.publish('aws', { jobId: jobs[0]!.id, attempt: 1 } as never);
  // Not awaited: close must let them commit (and answer) before the thread stops.
  await pair.store.close();
  await Promise.all([...writes, published]);
  const again = createSqlitePair({ path });
  for (const j of jobs) expect((await again.store.jobs.get(j.id))?.id).toBe(j.id);
  expect((await again.queue.stats!('aws')).depth).toBe(1);
  await expect(again.store.jobs.create(jobs[0]!)).rejects.toBeInstanceOf(AlreadyExistsError);
  await again.store.close();
});

it('rejects the start, and every write, with the reason when the thread cannot open the database', async () => {
  const writer = startSqliteWriter({ path: join(dir, 'no-such-dir', 'state.db') });
  const write = writer.call('store.tenants.create', [{ id: 't', name: 't' }]).catch((e) => e);
  await expect(writer.ready).rejects.toMatchObject({
    code: 'UNAVAILABLE',
    message: expect.stringMatching(/^the SQLite writer thread stopped: .*no such file/),
  });
  expect(await write).toMatchObject({ code: 'UNAVAILABLE' });
  await expect(writer.call('store.tenants.create', [{ id: 'u', name: 'u' }])).rejects.toMatchObject(
    { code: 'UNAVAILABLE' },
  );
  await writer.close(); // nothing to stop; must not hang
});

it('refuses a private in-memory database or a clock other than the system clock', () => {
  expect(() => createSqlitePair({ path: ':memory:', writer: 'thread' })).toThrow(
    /database file and the system clock/,
  );
  expect(() =>
    createSqlitePair({ path: join(dir, 'clock.db'), clock: createFakeClock(), writer: 'thread' }),
  ).toThrow(/use writer: inline/);
});
