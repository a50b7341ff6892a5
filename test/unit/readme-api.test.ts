/**
 * The README's API table and `/openapi.json` list the same routes, both ways: a route served but not
 * in the table, or in the table but not served, fails here. The table's first cell is parsed as
 * people write it: `GET /a`, `` `POST`/`GET /a` `` (several methods), `` `POST /a/b`, `/c` ``
 * (a sibling of the last path, same methods), `/a[/:id]` (both), `?query` (ignored).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFixture } from '../security/fixture.js';

const README = join(import.meta.dirname, '..', '..', 'README.md');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The first cells of the table whose header starts with "method and path". */
export function apiTableCells(markdown: string): string[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((l) => /^\|\s*method and path\s*\|/.test(l));
  if (header < 0) throw new Error('README has no table headed "method and path"');
  const cells: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    cells.push(line.split('|')[1]!.trim());
  }
  return cells;
}

/** `METHOD /path` routes (OpenAPI `{param}` form) named in one table cell. */
export function routesInCell(cell: string): string[] {
  const spans = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.trim());
  const out: string[] = [];
  let pending: string[] = [];
  let last: { methods: string[]; path: string } | undefined;
  for (const span of spans) {
    if (METHODS.includes(span)) {
      pending.push(span);
      continue;
    }
    const m = /^(?:([A-Z]+)\s+)?(\/\S*)$/.exec(span);
    if (!m) throw new Error(`cannot read "${span}" in the API table cell "${cell}"`);
    const [, method, rawPath = ''] = m;
    let path = rawPath.replace(/\?.*$/, '');
    let methods: string[];
    if (method) {
      if (!METHODS.includes(method)) throw new Error(`unknown method ${method} in "${cell}"`);
      methods = [...pending, method];
    } else {
      if (!last) throw new Error(`"${span}" has no method before it in "${cell}"`);
      methods = last.methods;
      path = last.path.replace(/\/[^/]+$/, '') + path;
    }
    pending = [];
    last = { methods, path };
    const optional = /^(.*)\[(.+)\]$/.exec(path);
    const paths = optional ? [optional[1]!, optional[1]! + optional[2]!] : [path];
    for (const p of paths)
      for (const verb of methods) out.push(`${verb} ${p.replace(/\/:(\w+)/g, '/{$1}')}`);
  }
  return out;
}

let served: Record<string, Record<string, unknown>>;

beforeAll(async () => {
  const f = await createFixture();
  const doc = (await (await f.app.request('http://switchyard.test/openapi.json')).json()) as {
    paths: typeof served;
  };
  served = doc.paths;
});

function openApiRoutes(): string[] {
  const paths = served;
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m.toUpperCase()))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('the README API table', () => {
  it('reads the shorthand forms people write', () => {
    expect(routesInCell('`POST /v1/drainer/claim`, `/report`, `/heartbeat`')).toEqual([
      'POST /v1/drainer/claim',
      'POST /v1/drainer/report',
      'POST /v1/drainer/heartbeat',
    ]);
    expect(routesInCell('`POST`/`GET /v1/s`, `GET`/`DELETE /v1/s/:id`')).toEqual([
      'POST /v1/s',
      'GET /v1/s',
      'GET /v1/s/{id}',
      'DELETE /v1/s/{id}',
    ]);
    expect(routesInCell('`GET /v1/hooks[/:id]`, `GET /v1/jobs?state=&limit=`')).toEqual([
      'GET /v1/hooks',
      'GET /v1/hooks/{id}',
      'GET /v1/jobs',
    ]);
  });

  it('lists every route /openapi.json describes, and no other', () => {
    const table = new Set(apiTableCells(readFileSync(README, 'utf8')).flatMap(routesInCell));
    const served = new Set(openApiRoutes());
    expect([...served].filter((r) => !table.has(r)).sort(), 'served but not in the README').toEqual(
      [],
    );
    expect([...table].filter((r) => !served.has(r)).sort(), 'in the README but not served').toEqual(
      [],
    );
  });
});
