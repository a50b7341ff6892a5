// The edge-safe part of the core (everything under shared/ except *.node.ts) must run on Workers:
// no `node:` built-ins, no Node-only packages, and no import of a Node-only file. Because no
// edge-safe file may import a Node-only one, the rule holds transitively.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_ONLY_PACKAGES = [
  'better-sqlite3',
  '@kubernetes/client-node',
  '@google-cloud/pubsub',
  '@hono/node-server',
  'fs',
  'path',
  'http',
  'https',
  'net',
  'crypto',
  'child_process',
  'os',
  'url',
  'stream',
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

export function forbiddenImports(text: string): string[] {
  const specifiers = [
    ...text.matchAll(
      /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  return specifiers.filter(
    (s) =>
      s.startsWith('node:') ||
      NODE_ONLY_PACKAGES.some((p) => s === p || s.startsWith(`${p}/`)) ||
      /\.node(\.js|\.ts)?$/.test(s),
  );
}

describe('edge safety of shared/', () => {
  const edgeFiles = sources(join(ROOT, 'shared')).filter((f) => !f.endsWith('.node.ts'));

  it('finds the core files', () => {
    expect(edgeFiles.length).toBeGreaterThan(20);
  });

  it.each(edgeFiles.map((f) => [relative(ROOT, f), f]))(
    '%s imports nothing Node-only',
    (_name, file) => {
      expect(forbiddenImports(readFileSync(file, 'utf8'))).toEqual([]);
    },
  );

  it('catches each kind of forbidden import', () => {
    expect(forbiddenImports(`import { readFileSync } from 'node:fs';`)).toEqual(['node:fs']);
    expect(forbiddenImports(`import Database from 'better-sqlite3';`)).toEqual(['better-sqlite3']);
    expect(forbiddenImports(`import { x } from './store/sqlite.node.js';`)).toEqual([
      './store/sqlite.node.js',
    ]);
    expect(forbiddenImports(`const k = await import('@kubernetes/client-node');`)).toEqual([
      '@kubernetes/client-node',
    ]);
    expect(
      forbiddenImports(`import { Hono } from 'hono';\nimport type { Job } from './model.js';`),
    ).toEqual([]);
  });
});
