// Starts the drainer function's Node entry (functions/drainer-fn/main.ts, `npm run drainer:fn`) as
// its own process, so a test can kill -9 it mid-create and start it again on the same port, and
// waits (bounded) until it logs that it listens.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TSX_LOADER } from './server-process.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface DrainerFnProcess {
  url: string;
  /** The Node process's id (the bench reads its CPU time from /proc). */
  pid: number;
  output(): string;
  /** SIGKILL, like `kill -9`; resolves when the process is gone. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 now (for a listener that must come back on the same port). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

export async function startDrainerFn(env: Record<string, string>): Promise<DrainerFnProcess> {
  const child = spawn(
    process.execPath,
    [...TSX_LOADER, join(ROOT, 'functions/drainer-fn/main.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, DRAINER_FN_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`drainer function did not start:\n${out}`)),
      20_000,
    );
    child.stdout!.on('data', () => {
      if (!out.includes('drainer function listening')) return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`drainer function exited with ${code}:\n${out}`));
    });
  });
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `http://127.0.0.1:${env.PORT}`,
    pid: child.pid!,
    output: () => out,
    kill9: () => kill('SIGKILL'),
    stop: () => kill('SIGTERM'),
  };
}
