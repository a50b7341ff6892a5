// The layer checker's core (infra/tools/layers.ts, layer-analysis.ts) on in-memory file maps:
// import parsing, resolution, folder grouping, cycle detection and the ground-floor rule.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyse, clean, type LayerConfig } from '../../infra/tools/layer-analysis.js';
import {
  collectImports,
  components,
  folderOf,
  parseImports,
  resolve,
  shortestCycle,
} from '../../infra/tools/layers.js';

const CONFIG: LayerConfig = {
  groundFloor: { 'shared/base': [], 'shared/domain': ['shared/base'] },
  acyclicFolders: ['shared/api'],
};

const check = (files: Record<string, string>) => {
  const map = new Map(Object.entries(files));
  return analyse(collectImports(map), CONFIG, map.size);
};

describe('parseImports', () => {
  const cases: Array<{ name: string; source: string; want: Array<[string, number, boolean]> }> = [
    { name: 'static import', source: "import { a } from './a.js';", want: [['./a.js', 1, false]] },
    {
      name: 'import type',
      source: "import type { A } from './a.js';",
      want: [['./a.js', 1, true]],
    },
    {
      name: 'only type-only named imports',
      source: "import { type A, type B } from './a.js';",
      want: [['./a.js', 1, true]],
    },
    {
      name: 'a value among type-only names',
      source: "import { type A, b } from './a.js';",
      want: [['./a.js', 1, false]],
    },
    {
      name: 'side-effect import',
      source: "\nimport './polyfill.js';",
      want: [['./polyfill.js', 2, false]],
    },
    { name: 'export from', source: "export { a } from './a.js';", want: [['./a.js', 1, false]] },
    { name: 'export * from', source: "export * from './a.js';", want: [['./a.js', 1, false]] },
    {
      name: 'export type from',
      source: "export type { A } from './a.js';",
      want: [['./a.js', 1, true]],
    },
    {
      name: 'dynamic import on line 3',
      source: "const x = 1;\n\nconst m = await import('./lazy.js');",
      want: [['./lazy.js', 3, false]],
    },
    {
      name: 'import() in a type',
      source: "let t: import('./t.js').T;",
      want: [['./t.js', 1, true]],
    },
    {
      name: 'multi-line import: the specifier line',
      source: "import {\n  a,\n  b,\n} from './a.js';",
      want: [['./a.js', 4, false]],
    },
    {
      name: 'strings and comments are not imports',
      source: "// import { a } from './no.js';\nconst s = \"import x from './no.js'\";",
      want: [],
    },
    { name: 'a package', source: "import { z } from 'zod';", want: [['zod', 1, false]] },
    { name: 'a dynamic import of a variable', source: 'await import(name);', want: [] },
  ];
  it.each(cases)('$name', ({ source, want }) => {
    const got = parseImports('x.ts', source).map((i) => [i.specifier, i.line, i.typeOnly]);
    expect(got).toEqual(want);
  });
});

describe('resolve and folderOf', () => {
  const files = new Set(['shared/a/x.ts', 'shared/a/dir/index.ts', 'shared/b/y.ts']);
  const exists = (p: string) => files.has(p);
  it.each([
    { from: 'shared/a/z.ts', spec: './x.js', want: 'shared/a/x.ts' },
    { from: 'shared/a/z.ts', spec: './x', want: 'shared/a/x.ts' },
    { from: 'shared/a/z.ts', spec: './dir/index.js', want: 'shared/a/dir/index.ts' },
    { from: 'shared/a/z.ts', spec: './dir', want: 'shared/a/dir/index.ts' },
    { from: 'shared/a/dir/index.ts', spec: '../../b/y.js', want: 'shared/b/y.ts' },
    { from: 'shared/a/z.ts', spec: './missing.js', want: undefined },
    { from: 'shared/a/z.ts', spec: 'zod', want: undefined },
  ])('$from imports $spec', ({ from, spec, want }) => {
    expect(resolve(from, spec, exists)).toBe(want);
  });
  it.each([
    ['shared/api/routes/jobs.ts', 'shared/api'],
    ['shared/errors.ts', 'shared/errors'],
    ['functions/cli/main.ts', 'functions/cli'],
  ])('%s is in %s', (file, want) => expect(folderOf(file)).toBe(want));
});

describe('components and shortestCycle', () => {
  const graph = (edges: string) => {
    const m = new Map<string, Set<string>>();
    for (const e of edges.split(' ').filter(Boolean)) {
      const [u, v] = e.split('>') as [string, string];
      if (!m.has(u)) m.set(u, new Set());
      m.get(u)!.add(v);
    }
    return m;
  };
  it.each([
    { edges: 'a>b b>c', nodes: 'a b c', want: [] },
    { edges: 'a>b b>a', nodes: 'a b', want: [['a', 'b']] },
    { edges: 'a>b b>c c>a c>d', nodes: 'a b c d', want: [['a', 'b', 'c']] },
    {
      edges: 'a>b b>a c>d d>c b>c',
      nodes: 'a b c d',
      want: [
        ['a', 'b'],
        ['c', 'd'],
      ],
    },
    { edges: 'a>a', nodes: 'a', want: [] },
  ])('$edges', ({ edges, nodes, want }) => {
    const got = components(nodes.split(' '), graph(edges)).filter((c) => c.length > 1);
    expect(got.sort((x, y) => (x[0]! < y[0]! ? -1 : 1))).toEqual(want);
  });
  it('finds the shortest way back', () => {
    const g = graph('a>b b>c c>d d>a b>a');
    expect(shortestCycle('a', new Set(['a', 'b', 'c', 'd']), g)).toEqual(['a', 'b', 'a']);
  });
});

describe('analyse', () => {
  it('a layered tree is clean, with its edges counted', () => {
    const r = check({
      'shared/jobs/a.ts':
        "import { x } from '../store/x.js';\nimport type { Y } from '../store/y.js';",
      'shared/store/x.ts': "import { e } from '../errors.js';",
      'shared/store/y.ts': '',
      'shared/errors.ts': '',
    });
    expect(clean(r)).toBe(true);
    expect(r.edges.map((e) => [e.from, e.to, e.count, e.upward])).toEqual([
      ['shared/jobs', 'shared/store', 2, false],
      ['shared/store', 'shared/errors', 1, false],
    ]);
  });

  it('a cycle between folders names its folders and one import per edge, type imports included', () => {
    const r = check({
      'shared/jobs/a.ts': "import { x } from '../store/x.js';",
      'shared/jobs/b.ts': "import { x } from '../store/x.js';",
      'shared/store/x.ts': "\nimport type { A } from '../jobs/a.js';",
    });
    expect(clean(r)).toBe(false);
    expect(r.folderCycles).toHaveLength(1);
    const c = r.folderCycles[0]!;
    expect(c.members).toEqual(['shared/jobs', 'shared/store']);
    expect(c.path).toEqual(['shared/jobs', 'shared/store', 'shared/jobs']);
    expect(c.edges.map((e) => `${e.sample.from}:${e.sample.line}→${e.sample.to}`)).toEqual([
      'shared/jobs/a.ts:1→shared/store/x.ts',
      'shared/store/x.ts:2→shared/jobs/a.ts',
    ]);
    expect(r.edges.every((e) => e.upward)).toBe(true);
  });

  it('a dynamic import closes a cycle too', () => {
    const r = check({
      'functions/cli/a.ts': "import { x } from '../server/x.js';",
      'functions/server/x.ts': "const m = () => import('../cli/a.js');",
    });
    expect(r.folderCycles.map((c) => c.members)).toEqual([['functions/cli', 'functions/server']]);
  });

  it('a file cycle inside shared/api is reported; one in another folder is not', () => {
    const r = check({
      'shared/api/app.ts': "import { r } from './routes/jobs.js';",
      'shared/api/routes/jobs.ts': "import type { AppEnv } from '../app.js';",
      'shared/jobs/a.ts': "import { b } from './b.js';",
      'shared/jobs/b.ts': "export { a } from './a.js';",
    });
    expect(r.folderCycles).toEqual([]);
    expect(r.fileCycles.map((c) => c.members)).toEqual([
      ['shared/api/app.ts', 'shared/api/routes/jobs.ts'],
    ]);
  });

  it('a ground-floor folder may import only what the config allows', () => {
    const r = check({
      'shared/domain/job.ts':
        "import { e } from '../base/errors.js';\nimport { s } from '../store/s.js';",
      'shared/base/errors.ts': "import type { J } from '../domain/job.js';",
      'shared/store/s.ts': '',
    });
    expect(r.groundFloor.map((i) => `${i.from}:${i.line}`)).toEqual([
      'shared/base/errors.ts:1',
      'shared/domain/job.ts:2',
    ]);
  });

  it('an unresolved relative import is listed but is not a layering error', () => {
    const r = check({ 'shared/jobs/a.ts': "import { x } from './gone.js';\nimport 'zod';" });
    expect(r.unresolved.map((i) => i.specifier)).toEqual(['./gone.js']);
    expect(clean(r)).toBe(true);
  });
});

describe('npm run check:layers (the script, on a directory tree)', () => {
  const SCRIPT = join(import.meta.dirname, '..', '..', 'infra', 'tools', 'check-layers.ts');
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const run = (files: Record<string, string>, ...args: string[]) => {
    const root = mkdtempSync(join(tmpdir(), 'layers-'));
    dirs.push(root);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, '--root', root, ...args], {
      encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout + r.stderr };
  };

  it('exits 0 with a summary on a layered tree', () => {
    const r = run({
      'shared/jobs/a.ts': "import { x } from '../store/x.js';",
      'shared/store/x.ts': 'export const x = 1;',
    });
    expect(r.out).toMatch(/^layers ok: 2 files, 2 folders, 1 folder edges, 0 folder cycle\(s\)/m);
    expect(r.code).toBe(0);
  });

  it('exits 1 listing each import of a cycle as file:line → target; --report marks upward edges', () => {
    const r = run(
      {
        'shared/jobs/a.ts': "import { x } from '../store/x.js';",
        'shared/store/x.ts': "\nimport type { A } from '../jobs/a.js';",
        'functions/cli/main.ts': "import { a } from '../../shared/jobs/a.js';",
      },
      '--report',
    );
    expect(r.out).toContain('folder cycle: shared/jobs, shared/store');
    expect(r.out).toContain('shared/jobs → shared/store: shared/jobs/a.ts:1 → shared/store/x.ts');
    expect(r.out).toContain('shared/store/x.ts:2 → shared/jobs/a.ts (type)');
    expect(r.out).toMatch(/^ {4}functions\/cli → shared\/jobs {2}1 /m);
    expect(r.out).toMatch(/^ {2}\* shared\/jobs → shared\/store {2}1 /m);
    expect(r.out).toMatch(/^upward edges: 2$/m);
    expect(r.code).toBe(1);
  });

  it('exits 2 when --root names no directory', () => {
    const missing = join(tmpdir(), 'layers-missing-dir-x');
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, '--root', missing], {
      encoding: 'utf8',
    });
    expect(r.stderr).toContain(`--root needs an existing directory (got ${missing})`);
    expect(r.status).toBe(2);
  });
});
