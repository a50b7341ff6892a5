// Quotas hold under concurrency: many submitters through two job services (two "edge instances",
// each with its own connection to the same store) never push a tenant past its GPU quota; the rest
// wait as pending and are admitted as usage falls. Against SQLite (two connections to one file) and,
// when available, DynamoDB Local.
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import {
  ctxOf,
  finishAndAdmit,
  putBigCluster,
  storePairDrivers,
  twoJobServices,
} from '../support/two-stores.js';
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import type { StateStore } from '../../shared/store/port.js';

const QUOTA = 8;
const principal: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_test',
  scopes: new Set(SCOPES),
  projects: ['*'],
};
const dynamodbEndpoint = inject('dynamodbEndpoint');

async function setUp(store: StateStore): Promise<void> {
  await putBigCluster(store);
  await dispatchOf(ctxOf(store)).policy.put(principal, {
    version: 'q1',
    quotas: { tenants: { acme: { gpus: { 'nvidia-a100': QUOTA } } } },
  });
}

const drivers = storePairDrivers('sy-quota', dynamodbEndpoint);

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
            const services = twoJobServices(a, b);
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
              await finishAndAdmit(a, b, control);
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
