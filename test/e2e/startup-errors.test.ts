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

describe('start-up errors', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a port that is taken and what to do', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
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
