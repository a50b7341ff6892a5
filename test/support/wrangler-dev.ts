// Runs the Worker in the real Workers runtime (workerd, through `wrangler dev`) on a free loopback
// port, in its own process group so the whole tree is stopped afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './server-process.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface WranglerDev {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** `extraArgs` go to `wrangler dev` as they are, e.g. `['--config', path]` for a test-only config. */
export async function startWranglerDev(
  vars: Record<string, string>,
  extraArgs: string[] = [],
): Promise<WranglerDev> {
  const port = await freePort();
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--test-scheduled',
    '--log-level',
    'warn',
  ];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  args.push(...extraArgs);
  const child: ChildProcess = spawn(join(ROOT, 'node_modules/.bin/wrangler'), args, {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      CI: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  };
  try {
    await waitFor(
      async () =>
        (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })).ok
          ? true
          : undefined,
      60_000,
      `wrangler dev on ${url}`,
    );
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${out}`, { cause: e });
  }
  return { url, output: () => out, stop };
}
