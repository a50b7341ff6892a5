/** Runs the StateStore contract against the memory and SQLite drivers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { StateStore } from '../../shared/store/port.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { createSqlitePair } from '../../shared/queue/sqlite-pair.node.js';
import { testStoreDriver } from './store.contract.js';

testStoreDriver('memory', () => createMemoryStore());

const dir = mkdtempSync(join(tmpdir(), 'switchyard-store-'));
const paths = new WeakMap<StateStore, string>();
let n = 0;

testStoreDriver(
  'sqlite',
  () => {
    const path = join(dir, `store-${n++}.db`);
    const store = createSqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  {
    // A second connection to the same file: conditional writes must hold across connections.
    openPeer: (store) => createSqliteStore({ path: paths.get(store)! }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  },
);

testStoreDriver('sqlite :memory:', () => createSqliteStore({ path: ':memory:' }));

// The embedded pair's store: the same tables on a connection it shares with the queue.
const pairDir = mkdtempSync(join(tmpdir(), 'switchyard-pair-'));
testStoreDriver('sqlite pair', () => createSqlitePair({ path: join(pairDir, `${n++}.db`) }).store, {
  cleanup: async () => rmSync(pairDir, { recursive: true, force: true }),
});

// The pair as `npm start` opens it: every write on a writer thread with its own connection, every
// read on this one. Each write must be visible to the reads that follow it, and errors keep their
// class (VersionConflictError, AlreadyExistsError, QuotaExceededError) across the thread.
const threadDir = mkdtempSync(join(tmpdir(), 'switchyard-writer-'));
testStoreDriver(
  'sqlite pair, writer thread',
  () => createSqlitePair({ path: join(threadDir, `${n++}.db`), writer: 'thread' }).store,
  { cleanup: async () => rmSync(threadDir, { recursive: true, force: true }) },
);
