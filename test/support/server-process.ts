// Starts the real `npm start` entry (tsx functions/server/main.ts) as a child process on
// ephemeral loopback ports, and waits (bounded) until it prints its URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');

/** Node flags that run TypeScript through tsx's loader in the same process, from any cwd. */
export const TSX_LOADER = [
  '--import',
  pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
];

export interface ServerProcess {
  url: string;
  token: string;
  child: ChildProcess;
  output(): string;
  /** SIGKILL, like `kill -9`; resolves when the process is gone. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startServer(options: {
  dataDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Extra Node flags, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
}): Promise<ServerProcess> {
  // One process (tsx as a loader, not its CLI, which would run the server in a child): a SIGKILL
  // here is a real kill -9 of the server.
  const main = [...(options.nodeArgs ?? []), ...TSX_LOADER, join(ROOT, 'functions/server/main.ts')];
  const child = spawn(process.execPath, main, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      SWITCHYARD_DATA_DIR: options.dataDir,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time:\n${out}`)),
      options.timeoutMs ?? 30_000,
    );
    const check = () => {
      const m = /Switchyard is running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const token = readFileSync(join(options.dataDir, 'token'), 'utf8').trim();

  return {
    url,
    token,
    child,
    output: () => out,
    async kill9() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A small typed client for the API used by the end-to-end tests. */
export function apiClient(url: string, token: string) {
  return async function api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined
        ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
  };
}

/** Polls `probe` until it returns a value, at most `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
