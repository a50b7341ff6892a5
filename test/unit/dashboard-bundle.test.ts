// The dashboard script is shared/dashboard/browser/*.ts bundled by infra/tools/build-dashboard.mjs
// into the committed shared/dashboard/generated/script.ts. The committed file must match what
// the sources build to today (else the page runs old code), a stale or missing file must be
// reported in one line that says what to run, and what /dashboard.js serves must be one classic
// script (the CSP loads it with a plain <script src>, not as a module).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../../shared/dashboard/routes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILD = join(ROOT, 'infra', 'tools', 'build-dashboard.mjs');
const GENERATED = join(ROOT, 'shared', 'dashboard', 'generated', 'script.ts');

function check(file?: string) {
  const args = [BUILD, '--check', ...(file ? [file] : [])];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr.trim() };
}

describe('the dashboard bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-dash-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is committed as the sources build it (npm run build:dashboard after a change)', () => {
    expect(check()).toEqual({ status: 0, stderr: '' });
  });

  it('reports a stale copy in one line that says what to run', () => {
    const stale = join(dir, 'stale.ts');
    writeFileSync(stale, readFileSync(GENERATED, 'utf8').replace('switchyard.token', 'old.token'));
    const r = check(stale);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /is out of date with shared\/dashboard\/browser: run npm run build:dashboard$/,
    );
  });

  it('reports a missing file the same way', () => {
    const r = check(join(dir, 'missing.ts'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing\.ts is out of date .*run npm run build:dashboard$/);
  });

  it('serves /dashboard.js as one strict classic script built from every view', async () => {
    const res = await dashboardRoutes().hono.request('/dashboard.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const js = await res.text();
    // Compiling as a classic script throws on any import/export left in the bundle.
    expect(() => new Script(js, { filename: 'dashboard.js' })).not.toThrow();
    expect(js.startsWith('"use strict";')).toBe(true);
    for (const part of ['core', 'clusters', 'jobs', 'job-detail', 'schedules', 'queues', 'usage']) {
      expect(js, part).toContain(`// shared/dashboard/browser/${part}.ts`);
    }
    expect(js).not.toMatch(/\brequire\(|\bimport\(/);
  });
});
