// The concurrency tests (quota-concurrency, budget-concurrency) race two control-plane instances,
// each with its own connection to one store: two SQLite connections to one file, or two DynamoDB
// Local clients on one table. What they share: opening such a pair, a bare core context over a
// store, the one large cluster they place on, two job services, and finishing what runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatchOf } from './dispatch-context.js';
import { systemClock } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import type { ControlPlane } from '../../shared/protocol/control-port.js';
import { admitPending, createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import type { StateStore } from '../../shared/store/port.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';

export interface StorePair {
  a: StateStore;
  b: StateStore;
  done(): Promise<void>;
}

export interface StorePairDriver {
  name: string;
  skip: boolean;
  open: () => Promise<StorePair>;
}

/** A fresh core context (memory queue, system clock, silent log) over `store`. */
export function ctxOf(store: StateStore): CoreContext {
  return {
    store,
    queue: createMemoryQueue(),
    clock: systemClock,
    log: silentLogger,
    settings: defaultCoreSettings,
  };
}

/** SQLite (two connections to one file) and DynamoDB Local (two clients; skipped without it). */
export function storePairDrivers(prefix: string, dynamodbEndpoint?: string): StorePairDriver[] {
  return [
    {
      name: 'SQLite (two connections)',
      skip: false,
      open: async () => {
        const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
        const a = createSqliteStore({ path: join(dir, 'state.db') });
        const b = createSqliteStore({ path: join(dir, 'state.db') });
        return {
          a,
          b,
          done: async () => (
            await a.close(),
            await b.close(),
            rmSync(dir, { recursive: true, force: true })
          ),
        };
      },
    },
    {
      name: 'DynamoDB Local (two clients)',
      skip: !dynamodbEndpoint,
      open: async () => {
        const table = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
        const make = () =>
          createDynamoDbStore({
            tableName: table,
            endpoint: dynamodbEndpoint,
            region: 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          });
        const a = make();
        await a.ensureTable();
        const b = make();
        return { a, b, done: async () => (await a.close(), await b.close()) };
      },
    },
  ];
}

/** `big-cluster`: 100 nodes × 8 A100s (at `costPerGpuHour` when given). */
export async function putBigCluster(store: StateStore, costPerGpuHour?: number): Promise<void> {
  const pool = { accelerator: 'nvidia-a100', nodes: 100, gpusPerNode: 8 };
  await store.clusters.put({
    id: 'big-cluster',
    cloud: 'aws',
    region: 'us-east-1',
    labels: {},
    queue: 'aws',
    state: 'active',
    pools: [costPerGpuHour === undefined ? pool : { ...pool, costPerGpuHour }],
    version: 1,
    updatedAt: new Date().toISOString(),
  });
}

/** One job service per instance, each with its own dispatcher. */
export function twoJobServices(a: StateStore, b: StateStore) {
  return [
    createJobService(ctxOf(a), createDispatcher(dispatchOf(ctxOf(a)))),
    createJobService(ctxOf(b), createDispatcher(dispatchOf(ctxOf(b)))),
  ];
}

/** Reports every dispatched job of tenant acme succeeded, then admits from both instances at once. */
export async function finishAndAdmit(
  a: StateStore,
  b: StateStore,
  control: ControlPlane,
): Promise<void> {
  const { items } = await a.jobs.list({ tenantId: 'acme', limit: 100 });
  for (const j of items.filter((x) => x.state === 'dispatched')) {
    await control.report({
      jobId: j.id,
      clusterId: 'big-cluster',
      attempt: j.placement!.attempt,
      phase: 'succeeded',
      at: new Date().toISOString(),
    });
  }
  await Promise.all([admitPending(dispatchOf(ctxOf(a))), admitPending(dispatchOf(ctxOf(b)))]);
}
