// `npm start` refuses bad set-ups with one clear line and exit code 1, never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TSX_LOADER } from '../support/server-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'sy-start-'));

function start(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [...TSX_LOADER, join(ROOT, 'functions/server/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, SWITCHYARD_DATA_DIR: join(dir, 'data'), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stderr: r.stderr };
}

const listenOn = (port: number) =>
  new Promise<Server | undefined>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/**
 * Holds a port below Linux's ephemeral range (32768–60999) whose next ports, which the simulated
 * clusters take, are free now: the other test files listen on port 0 and get ephemeral ports, so
 * none of them can take a neighbour meanwhile and make the server name that port instead.
 */
async function holdPortBelowEphemeral(): Promise<{ holder: Server; port: number }> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const servers: Server[] = [];
    for (let p = port; p <= port + 8; p++) {
      const s = await listenOn(p);
      if (!s) break;
      servers.push(s);
    }
    const [holder, ...rest] = servers;
    await Promise.all(rest.map((s) => new Promise((r) => s.close(r))));
    if (holder && servers.length === 9) return { holder, port };
    if (holder) await new Promise((r) => holder.close(r));
  }
  throw new Error('no free run of 9 ports in 20000–30008 on 127.0.0.1');
}

describe('start-up errors', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a port that is taken and what to do', async () => {
    const { holder, port } = await holdPortBelowEphemeral();
    try {
      const { status, stderr } = start({ PORT: String(port) });
      expect(status).toBe(1);
      expect(stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(stderr).toContain('PORT=');
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  });

  it('names a configuration file it cannot read', () => {
    const { status, stderr } = start({ SWITCHYARD_CONFIG: join(dir, 'missing.yaml') });
    expect(status).toBe(1);
    expect(stderr).toContain('cannot read the configuration file');
    expect(stderr).toContain('SWITCHYARD_CONFIG');
  });

  it('lists every bad field of an invalid configuration by its path', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'clusters:\n  - { id: X, cloud: aws }\n');
    const { status, stderr } = start({ SWITCHYARD_CONFIG: file, PORT: '0' });
    expect(status).toBe(1);
    for (const path of [
      'clusters.0.id',
      'clusters.0.region',
      'clusters.0.pools',
      'clusters.0.connect',
    ]) {
      expect(stderr).toContain(path);
    }
  });

  it('refuses a PORT that is not a number', () => {
    const { status, stderr } = start({ PORT: 'eighty' });
    expect(status).toBe(1);
    expect(stderr).toContain('PORT must be a whole number');
  });
});
