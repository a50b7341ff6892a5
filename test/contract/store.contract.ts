/**
 * The StateStore contract: one suite every driver must pass (memory, SQLite, DynamoDB, …).
 * `make` must return an empty store each time it is called; the suite closes every store it made.
 * The cases live in `store-*.contract.ts`, one file an area, each handed the test's store. Jobs
 * (store-jobs) and accounts (store-accounts: clusters, tenants, tokens, idempotency, deliveries,
 * settings) expect an empty store; the usage, outbox, schedule, hook and claim tests name every
 * record uniquely, so a driver may run them against one shared table.
 */
import { afterAll, afterEach, beforeEach, describe } from 'vitest';
import type { StateStore } from '../../shared/store/port.js';
import { describeAccounts } from './store-accounts.contract.js';
import { describeClaims } from './store-claims.contract.js';
import { describeJobs } from './store-jobs.contract.js';
import { describeLogs } from './store-logs.contract.js';
import { describeMaintenancePlans } from './store-maintenance.contract.js';
import { aJob, type StoreContext } from './store-fixtures.js';
import { describeOutbox } from './store-outbox.contract.js';
import { describePolicyVersions } from './store-policy-versions.contract.js';
import { describeRedrive } from './store-redrive.contract.js';
import { describeTenantTables } from './store-records.contract.js';
import { describeUsage } from './store-usage.contract.js';

export { aJob };

export interface StoreDriverOptions {
  /** Runs once after the suite (drop tables, delete temp files). */
  cleanup?: () => Promise<void>;
  /** A second handle on the same data as `store` (another connection); concurrency tests race across both. */
  openPeer?: (store: StateStore) => Promise<StateStore> | StateStore;
}

/** Runs the StateStore contract against one driver. */
export function testStoreDriver(
  name: string,
  make: () => Promise<StateStore> | StateStore,
  opts: StoreDriverOptions = {},
): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    const opened: StateStore[] = [];
    const peer = async () => {
      const other = opts.openPeer ? await opts.openPeer(store) : store;
      if (other !== store) opened.push(other);
      return other;
    };
    beforeEach(async () => {
      store = await make();
      opened.push(store);
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });
    afterAll(async () => {
      await opts.cleanup?.();
    });
    const ctx: StoreContext = { store: () => store, peer };

    describeJobs(ctx);
    describeAccounts(ctx);
    describeUsage(ctx);
    describeOutbox(ctx);
    describeTenantTables(ctx);
    describeClaims(ctx);
    describeMaintenancePlans(ctx);
    describeLogs(ctx);
    describePolicyVersions(ctx);
    describeRedrive(ctx);
  });
}
