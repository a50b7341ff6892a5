// Budgets in money hold under concurrency, like GPU quotas (quota-concurrency.test.ts): submitters
// racing through two job services (two control-plane instances, each with its own connection to
// the same store) never push a project's spend past its budget; the losers wait pending, and each
// time jobs end the pending ones are admitted while spend stays within the budget. Against SQLite
// (two connections to one file) and, when available, DynamoDB Local.
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

const PRICE = 2.55; // per GPU-hour
const BUDGET = 20; // per hour: 7 GPUs fit ($17.85/h), 8 do not ($20.40/h)
const SPEND = 'spend:project:acme/p';
const principal: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_test',
  scopes: new Set(SCOPES),
  projects: ['*'],
};
const dynamodbEndpoint = inject('dynamodbEndpoint');

async function setUp(store: StateStore): Promise<void> {
  await putBigCluster(store, PRICE);
  await dispatchOf(ctxOf(store)).policy.put(principal, {
    version: 'b1',
    quotas: { projects: { 'acme/p': { maxCostPerHour: BUDGET } } },
  });
}

/** DynamoDB Local answers slowly (seconds per run on 2 cores): fewer runs keep the tier short. */
const drivers = storePairDrivers('sy-budget', dynamodbEndpoint).map((d) => ({
  ...d,
  runs: d.name.startsWith('SQLite') ? 3 : 1,
}));

/** Spend per hour in counter units (millionths) of `gpus` GPUs at PRICE. */
const units = (gpus: number): number => Math.round(PRICE * gpus * 1e6);

describe.each(drivers)(
  'budgets in money under two control planes on $name',
  ({ skip, runs, open }) => {
    const opened: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const done of opened) await done();
    });

    it.skipIf(skip)(
      'never exceeds the budget; the losers wait pending and are admitted as jobs end',
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 6, maxLength: 12 }),
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
              const spend = async () => (await a.usage.get([SPEND]))[SPEND] ?? 0;
              const listed = async () =>
                (await a.jobs.list({ tenantId: 'acme', limit: 100 })).items;
              const held = async () =>
                (await listed())
                  .filter((j) => j.state === 'dispatched')
                  .reduce((n, j) => n + units(j.spec.resources.accelerator!.count), 0);
              const check = async () => {
                expect(await spend()).toBeLessThanOrEqual(BUDGET * 1e6);
                expect(await held()).toBe(await spend());
              };
              await check();
              expect(jobs.every(({ job }) => ['dispatched', 'pending'].includes(job.state))).toBe(
                true,
              );
              // The sizes add up to more than the budget allows at once: someone waits.
              if (units(sizes.reduce((n, s) => n + s, 0)) > BUDGET * 1e6) {
                const waiting = (await listed()).filter((j) => j.state === 'pending');
                expect(waiting.length).toBeGreaterThan(0);
                // Each loser says it waits for spend: placement's reason, or the lost race's.
                for (const j of waiting) {
                  const said = [j.decision?.message, j.events.at(-1)?.message].join(' ');
                  expect(said).toMatch(/project p's (spend to|budget in money was reached)/);
                }
              }

              // Finish what runs, admit from both instances at once, repeat: all run in the end.
              const control = createControlPlane(dispatchOf(ctxOf(b)));
              for (let round = 0; round < sizes.length + 1; round++) {
                await finishAndAdmit(a, b, control);
                await check();
              }
              expect((await listed()).every((j) => j.state === 'succeeded')).toBe(true);
              expect(await spend()).toBe(0);
            },
          ),
          { numRuns: runs },
        );
      },
      120_000,
    );
  },
);
