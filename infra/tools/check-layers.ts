/**
 * `npm run check:layers [-- --report] [-- --root <dir>]`: checks the folder layering of shared/, functions/ and
 * infra/ (issue #12). It fails (exit 1, listing each offending import as file:line → target) on
 *   (a) any import cycle between folders (shared/<folder>, functions/<folder>, infra/<folder>),
 *   (b) any import cycle between the files of a folder in ACYCLIC_FOLDERS (shared/api),
 *   (c) any import out of a ground-floor folder other than those it is allowed (GROUND_FLOOR).
 * On success it prints a one-line summary. `--report` prints every folder-to-folder edge with its
 * count and marks the "upward" ones (edges on a cycle: the ones a restructuring has to turn
 * around), then the checks. It lives under infra/tools because it is a repository tool, not part
 * of any deployable; the parsing and graph work are in `layers.ts` and `layer-analysis.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  analyse,
  clean,
  type Cycle,
  type LayerConfig,
  type LayerReport,
} from './layer-analysis.js';
import { collectImports, type Import } from './layers.js';

/** The layering rules, in one place. Ground-floor folders map to the folders they may import. */
export const CONFIG: LayerConfig = {
  groundFloor: {
    'shared/base': [],
    'shared/domain': ['shared/base'],
  },
  acyclicFolders: ['shared/api'],
};

const ROOTS = ['shared', 'functions', 'infra'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const at = (i: Import): string =>
  `${i.from}:${i.line} → ${i.to ?? i.specifier}${i.typeOnly ? ' (type)' : ''}`;

function printCycle(c: Cycle, kind: string): void {
  console.log(`  ${kind} cycle: ${c.members.join(', ')}`);
  console.log(`    e.g. ${c.path.join(' → ')}`);
  for (const e of c.edges) console.log(`    ${e.from} → ${e.to}: ${at(e.sample)}`);
}

function printReport(r: LayerReport): void {
  console.log(`folder edges (${r.edges.length}; * = upward, on a cycle):`);
  for (const e of r.edges) {
    console.log(`  ${e.upward ? '*' : ' '} ${e.from} → ${e.to}  ${e.count}  (${at(e.sample)})`);
  }
  const upward = r.edges.filter((e) => e.upward);
  console.log(`upward edges: ${upward.length}`);
  for (const e of upward) console.log(`  ${e.from} → ${e.to} (${e.count})`);
}

function printProblems(r: LayerReport): void {
  for (const c of r.folderCycles) printCycle(c, 'folder');
  for (const c of r.fileCycles) printCycle(c, 'file');
  if (r.groundFloor.length > 0) {
    console.log(`  imports out of a ground-floor folder (${Object.keys(CONFIG.groundFloor)}):`);
    for (const i of r.groundFloor) console.log(`    ${at(i)}`);
  }
  for (const i of r.unresolved) console.log(`  warning: unresolved relative import ${at(i)}`);
}

function main(argv: readonly string[]): number {
  const flag = argv.indexOf('--root');
  const repo = flag >= 0 ? argv[flag + 1] : join(import.meta.dirname, '..', '..');
  if (!repo || !existsSync(repo)) {
    console.error(`--root needs an existing directory (got ${repo ?? 'nothing'})`);
    return 2;
  }
  const files = new Map<string, string>();
  for (const root of ROOTS) {
    const dir = join(repo, root);
    if (!existsSync(dir)) continue;
    for (const path of sources(dir)) {
      files.set(relative(repo, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  }
  const report = analyse(collectImports(files), CONFIG, files.size);
  if (argv.includes('--report')) printReport(report);
  const summary =
    `${report.files} files, ${report.folders.length} folders, ${report.edges.length} folder edges, ` +
    `${report.folderCycles.length} folder cycle(s), ${report.fileCycles.length} file cycle(s) in ` +
    `${CONFIG.acyclicFolders.join(', ')}, ${report.groundFloor.length} ground-floor import(s)`;
  if (clean(report)) {
    printProblems(report);
    console.log(`layers ok: ${summary}`);
    return 0;
  }
  console.log('layers broken:');
  printProblems(report);
  console.log(summary);
  console.log(
    'fix: turn each listed import around (move the shared piece down a folder) so folders form a DAG',
  );
  return 1;
}

process.exitCode = main(process.argv.slice(2));
