/**
 * The measuring side of bench:backlog, in its own process so its RSS is the store's and the sweeps'
 * alone: opens the generated `state.db` as the embedded server does (the SQLite pair), builds the
 * dispatch context, and runs each sweep BENCH_SWEEP_RUNS times (median), sampling RSS after each.
 * Prints its figures as JSON on stdout.
 */
import { silentLogger } from '../../../shared/base/log.js';
import { defaultCoreSettings } from '../../../shared/context/core-context.js';
import { createDispatchContext } from '../../../shared/dispatch/context.js';
import { admitPending, redispatchStale } from '../../../shared/dispatch/dispatch.js';
import { evacuateOffline } from '../../../shared/dispatch/failover.js';
import { createSqlitePair } from '../../../shared/queue/sqlite-pair.node.js';

export interface Figures {
  rssOpenMb: number;
  rssPeakMb: number;
  redispatched: number;
  sweepsMs: Record<'admission' | 'redispatch' | 'failover' | 'deliveries' | 'schedules', number>;
  /** The first redispatch sweep, the one that finds the 100 due jobs and republishes them. */
  redispatchDueMs: number;
}

const RUNS = Number(process.env.BENCH_SWEEP_RUNS ?? 5);
const mb = () => process.memoryUsage().rss / 2 ** 20;

async function main(path: string, generatedAt: number): Promise<void> {
  // Time starts where the rows were written, so a slow generation does not make fresh jobs due.
  const started = Date.now();
  const clock = { now: () => generatedAt + (Date.now() - started) };
  const pair = createSqlitePair({ path, clock });
  const ctx = createDispatchContext({
    store: pair.store,
    queue: pair.queue,
    clock,
    log: silentLogger,
    settings: defaultCoreSettings,
  });
  await pair.store.jobs.get('p0'); // the first read pages the schema in
  const rssOpenMb = mb();
  let rssPeakMb = rssOpenMb;
  const now = () => new Date(clock.now()).toISOString();
  const sweeps = {
    admission: () => admitPending(ctx),
    redispatch: () => redispatchStale(ctx),
    failover: () => evacuateOffline(ctx),
    deliveries: () => pair.store.deliveries.listDue(now(), 100),
    schedules: () => pair.store.schedules.listDue(now(), 100),
  };
  const sweepsMs = {} as Figures['sweepsMs'];
  let redispatched = 0;
  let redispatchDueMs = 0;
  for (const [name, sweep] of Object.entries(sweeps) as Array<
    [keyof typeof sweeps, () => Promise<unknown>]
  >) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const out = await sweep();
      times.push(performance.now() - t0);
      if (name === 'redispatch' && i === 0) {
        redispatched = out as number;
        redispatchDueMs = times.pop()!;
      }
      rssPeakMb = Math.max(rssPeakMb, mb());
    }
    sweepsMs[name] = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  }
  await pair.queue.close();
  await pair.store.close();
  const figures: Figures = { rssOpenMb, rssPeakMb, redispatched, redispatchDueMs, sweepsMs };
  process.stdout.write(JSON.stringify(figures));
}

if (process.argv[2]) {
  main(process.argv[2], Number(process.argv[3])).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? e.stack : String(e));
      process.exit(1);
    },
  );
}
