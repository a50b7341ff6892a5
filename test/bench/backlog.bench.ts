/**
 * Backlog benchmark (figures, no assertions): `npm run bench:backlog`.
 *
 * For BENCH_BACKLOG (10000,100000,1000000) pending jobs in the embedded SQLite store, plus 1,000
 * dispatched jobs of which 100 are due for redispatch, the rows are written straight into a fresh
 * `state.db` in bulk (one transaction); then a separate process (`backlog/measure.ts`) opens it as
 * the server does and times each control-plane sweep — admission (one pass), redispatch, failover,
 * webhook deliveries due, schedules due — and reports its RSS after opening and its peak RSS over
 * the sweeps. Printed: the figures per size and each one's ratio to the smallest size, measured in
 * the same run. Targets (#16): RSS with 1M pending ≤ 2 × RSS with 10k; each sweep's time growing with
 * what is due (the same 100 stale jobs at every size), not with the backlog. Knobs: BENCH_BACKLOG,
 * BENCH_SWEEP_RUNS (5; the median is printed; the first redispatch sweep, which finds the due jobs,
 * is printed on its own).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { TSX_LOADER } from '../support/server-process.js';
import { generateBacklog } from './backlog/generate.js';
import type { Figures } from './backlog/measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SIZES = (process.env.BENCH_BACKLOG ?? '10000,100000,1000000').split(',').map(Number);

function measure({ path, now }: { path: string; now: number }): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...TSX_LOADER, join(HERE, 'backlog/measure.ts'), path, String(now)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Figures)
        : reject(new Error(`measure exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const rows: Array<{ size: number; genSeconds: number; f: Figures }> = [];
  for (const size of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), 'sy-bench-backlog-'));
    try {
      const t0 = performance.now();
      const generated = generateBacklog(dir, size);
      const genSeconds = (performance.now() - t0) / 1000;
      const f = await measure(generated);
      console.log(`${size} pending: generated in ${genSeconds.toFixed(1)} s; ${JSON.stringify(f)}`);
      rows.push({ size, genSeconds, f });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = rows[0]!;
  const cols: Array<[string, (f: Figures) => number, number]> = [
    ['RSS after open (MB)', (f) => f.rssOpenMb, 0],
    ['peak RSS over the sweeps (MB)', (f) => f.rssPeakMb, 0],
    ['admission pass (ms)', (f) => f.sweepsMs.admission, 1],
    ['redispatch sweep with 100 due (ms)', (f) => f.redispatchDueMs, 1],
    ['redispatch sweep with none due (ms)', (f) => f.sweepsMs.redispatch, 2],
    ['failover sweep (ms)', (f) => f.sweepsMs.failover, 2],
    ['webhook deliveries due (ms)', (f) => f.sweepsMs.deliveries, 2],
    ['schedules due (ms)', (f) => f.sweepsMs.schedules, 2],
    ['jobs redispatched by the first sweep', (f) => f.redispatched, 0],
  ];
  console.log(`\n| | ${rows.map((r) => `${r.size} pending`).join(' | ')} | largest / smallest |`);
  console.log(`|---|${rows.map(() => '---|').join('')}---|`);
  for (const [label, get, digits] of cols) {
    const cells = rows.map((r) => get(r.f).toFixed(digits));
    const last = rows.at(-1)!;
    const ratio = get(base.f) > 0 ? `${(get(last.f) / get(base.f)).toFixed(2)}×` : '–';
    console.log(`| ${label} | ${cells.join(' | ')} | ${ratio} |`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
