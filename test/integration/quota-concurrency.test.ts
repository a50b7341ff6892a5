// Quotas hold under concurrency: many submitters through two job services (two "edge instances",
// each with its own connection to the same store) never push a tenant past its GPU quota; the rest
// wait as pending and are admitted as usage falls. Against SQLite (two connections to one file) and,
// when available, DynamoDB Local.
import { mkdtempSync, rmSync } from 'node:fs';
import { dispatchOf } from '../support/dispatch-context.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import { systemClock } from '../../shared/base/clock.js';
import type { CoreContext } from '../../shared/context/core-context.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import { admitPending } from '../../shared/dispatch/dispatch.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import type { StateStore } from '../../shared/store/port.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';

const QUOTA = 8;
const principal: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_test',
  scopes: new Set(SCOPES),
  projects: ['*'],
};
const dynamodbEndpoint = inject('dynamodbEndpoint');

function ctxOf(store: StateStore): CoreContext {
  return {
    store,
    queue: createMemoryQueue(),
    clock: systemClock,
    log: silentLogger,
    settings: defaultCoreSettings,
  };
}

async function setUp(store: StateStore): Promise<void> {
  await store.clusters.put({
    id: 'big-cluster',
    cloud: 'aws',
    region: 'us-east-1',
    labels: {},
    queue: 'aws',
    state: 'active',
    pools: [{ accelerator: 'nvidia-a100', nodes: 100, gpusPerNode: 8 }],
    version: 1,
    updatedAt: new Date().toISOString(),
  });
  await dispatchOf(ctxOf(store)).policy.put(principal, {
    version: 'q1',
    quotas: { tenants: { acme: { gpus: { 'nvidia-a100': QUOTA } } } },
  });
}

const drivers: Array<{
  name: string;
  skip: boolean;
  open: () => Promise<{ a: StateStore; b: StateStore; done(): Promise<void> }>;
}> = [
  {
    name: 'SQLite (two connections)',
    skip: false,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sy-quota-'));
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
      const table = `sy-quota-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
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

describe.each(drivers)('GPU quotas under concurrent submitters on $name', ({ skip, open }) => {
  const opened: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const done of opened) await done();
  });

  it.skipIf(skip)(
    'never exceeds the quota; the rest wait and are admitted as usage falls',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 6, maxLength: 24 }),
          async (sizes) => {
            const { a, b, done } = await open();
            opened.push(done);
            await setUp(a);
            const services = [
              createJobService(ctxOf(a), createDispatcher(dispatchOf(ctxOf(a)))),
              createJobService(ctxOf(b), createDispatcher(dispatchOf(ctxOf(b)))),
            ];
            const jobs = await Promise.all(
              sizes.map((count, i) =>
                services[i % 2]!.submit(principal, {
                  name: `j${i}`,
                  project: 'p',
                  image: 'x',
                  resources: { accelerator: { type: 'nvidia-a100', count } },
                }),
              ),
            );
            const usage = async () =>
              (await a.usage.get(['tenant:acme:nvidia-a100']))['tenant:acme:nvidia-a100'] ?? 0;
            const held = async () => {
              const { items } = await a.jobs.list({ tenantId: 'acme', limit: 100 });
              return items
                .filter((j) => j.state === 'dispatched')
                .reduce((n, j) => n + j.spec.resources.accelerator!.count, 0);
            };
            expect(await usage()).toBeLessThanOrEqual(QUOTA);
            expect(await held()).toBe(await usage());
            expect(jobs.every(({ job }) => ['dispatched', 'pending'].includes(job.state))).toBe(
              true,
            );

            // Finish everything that runs, admit, repeat: usage stays within the quota; all run in the end.
            const control = createControlPlane(dispatchOf(ctxOf(b)));
            for (let round = 0; round < sizes.length + 1; round++) {
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
              await Promise.all([
                admitPending(dispatchOf(ctxOf(a))),
                admitPending(dispatchOf(ctxOf(b))),
              ]);
              expect(await usage()).toBeLessThanOrEqual(QUOTA);
              expect(await held()).toBe(await usage());
            }
            const { items } = await a.jobs.list({ tenantId: 'acme', limit: 100 });
            expect(items.every((j) => j.state === 'succeeded')).toBe(true);
            expect(await usage()).toBe(0);
          },
        ),
        { numRuns: skip ? 1 : 8 },
      );
    },
    120_000,
  );
});
