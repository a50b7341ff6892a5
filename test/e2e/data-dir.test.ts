// The data directory holds the signing keys: `npm start` makes it 0700 with every file 0600
// (SQLite's -wal/-shm side files included), tightens an older install, and refuses a directory
// that other users can write with one line that says how to fix it.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, TSX_LOADER } from '../support/server-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const root = mkdtempSync(join(tmpdir(), 'sy-datadir-'));

/** Every directory and file under `dir` with its permission bits, e.g. `{ 'state.db': 0o600 }`. */
function modes(dir: string): Record<string, number> {
  const out: Record<string, number> = { '.': statSync(dir).mode & 0o777 };
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out[relative(dir, p)] = statSync(p).mode & 0o777;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

function loosen(dir: string): void {
  for (const [path, mode] of Object.entries(modes(dir))) {
    chmodSync(join(dir, path), mode & 0o100 || path === '.' ? 0o755 : 0o644);
  }
}

function expectPrivate(dir: string): void {
  const found = modes(dir);
  for (const [path, mode] of Object.entries(found)) {
    const isDir = statSync(join(dir, path)).isDirectory();
    expect({ path, mode: mode.toString(8) }).toEqual({ path, mode: isDir ? '700' : '600' });
  }
  // The files that matter are all there, side files included, so the loop above saw them.
  // The embedded queue's table lives in state.db (one database, one transaction per submission).
  for (const name of ['state.db', 'state.db-wal', 'state.db-shm']) {
    expect(found).toHaveProperty([name]);
  }
  for (const name of ['token', 'kubeconfig', 'sim']) expect(found).toHaveProperty([name]);
  expect(Object.keys(found).some((p) => p.startsWith('sim/') && p.endsWith('.db-wal'))).toBe(true);
}

describe('the data directory', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is created 0700 with every file 0600, and an older, looser install is tightened', async () => {
    const dataDir = join(root, 'fresh');
    const first = await startServer({ dataDir });
    try {
      expectPrivate(dataDir);
    } finally {
      await first.stop();
    }

    loosen(dataDir); // how installs made before this rule look: 0755 directories, 0644 files
    expect(modes(dataDir)['state.db']).toBe(0o644);
    const second = await startServer({ dataDir });
    try {
      expectPrivate(dataDir);
      const api = apiClient(second.url, second.token);
      expect((await api('GET', '/v1/clusters')).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it.each([
    ['world-writable with the sticky bit, like /tmp', 0o1777],
    ['group-writable', 0o770],
  ])('is refused when other users can write it (%s)', (_what, mode) => {
    const dataDir = mkdtempSync(join(root, 'open-'));
    chmodSync(dataDir, mode);
    const r = spawnSync(process.execPath, [...TSX_LOADER, join(ROOT, 'functions/server/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', SWITCHYARD_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`data directory ${dataDir} can be written by other users`);
    expect(r.stderr).toContain(`chmod -R go-rwx ${dataDir}`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dataDir)).toEqual([]); // nothing was created in it
  });
});
