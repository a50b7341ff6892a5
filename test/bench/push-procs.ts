/**
 * The two drainers of `npm run bench:push` as their own processes, so each one's CPU time is its
 * own: the pull drainer's real entry (functions/drainer/main.ts, on the bench's SQLite queue file)
 * and the drainer function's (functions/drainer-fn/main.ts, via test/support). CPU time is read
 * from /proc/<pid>/stat (utime + stime, what process.cpuUsage() would report inside the process),
 * so the processes run unmodified; on a system without /proc it is NaN.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TSX_LOADER } from '../support/server-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of a process so far, in ms (NaN without /proc). */
export function cpuMs(pid: number): number {
  try {
    // Fields after the parenthesised command name: state is the 1st, utime the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
  } catch {
    return Number.NaN;
  }
}

export interface PullDrainerProcess {
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** `npm run drainer` (tsx, as the script runs it) on `dataDir`'s SQLite queue. */
export function startPullDrainer(env: Record<string, string>): PullDrainerProcess {
  const child = spawn(process.execPath, [...TSX_LOADER, join(ROOT, 'functions/drainer/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    pid: child.pid!,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Pushes answered by the function so far, from its one log line per push. */
export function pushesAnswered(output: string): number {
  return output.match(/push handled|push failed|ran out of its time budget/g)?.length ?? 0;
}
