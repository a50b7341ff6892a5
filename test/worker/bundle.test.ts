// The Worker bundle, built by wrangler exactly as a deployment would be: no Node-only module may
// enter it, and it must stay under Workers' 1 MiB (compressed) limit for the free plan.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_ONLY = [
  'better-sqlite3',
  '@kubernetes/client-node',
  '@google-cloud/pubsub',
  '@hono/node-server',
  '@grpc/grpc-js',
];

describe('Worker bundle (wrangler deploy --dry-run)', () => {
  const out = mkdtempSync(join(tmpdir(), 'sy-bundle-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds without Node-only modules and under 1 MiB compressed', () => {
    execFileSync(
      join(ROOT, 'node_modules/.bin/wrangler'),
      ['deploy', '--dry-run', '--outdir', out],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        },
        stdio: 'pipe',
        timeout: 120_000,
      },
    );
    const bundle = readFileSync(join(out, 'index.js'), 'utf8');
    const nodeImports = [
      ...bundle.matchAll(/(?:from\s*|import\(\s*|require\(\s*)["'](node:[\w/]+)["']/g),
    ].map((m) => m[1]);
    expect(nodeImports).toEqual([]);
    // esbuild marks each module's origin in the output; the markers of what must be there are there.
    expect(bundle.includes('node_modules/hono/')).toBe(true);
    expect(bundle.includes('node_modules/@aws-sdk/client-dynamodb/')).toBe(true);
    for (const pkg of NODE_ONLY) expect(bundle.includes(`node_modules/${pkg}/`), pkg).toBe(false);
    const compressed = gzipSync(bundle).length;
    expect(compressed).toBeLessThan(1024 * 1024);
    expect(bundle).toContain('switchyard');
  });
});
