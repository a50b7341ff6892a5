/**
 * What the layer checker concludes from the resolved imports (`layers.ts`): the folder-to-folder
 * edges with counts, the cycles between folders (each strongly connected component, a shortest
 * cycle through it and one import per edge inside it), the file cycles inside the folders that
 * must have none, and the imports that leave a ground-floor folder. Pure; `check-layers.ts` prints.
 */
import { components, folderOf, shortestCycle, type Import } from './layers.js';

export interface LayerConfig {
  /** Ground-floor folders and the only other folders each may import (none by default). */
  groundFloor: Readonly<Record<string, readonly string[]>>;
  /** Folders inside which no file may take part in an import cycle. */
  acyclicFolders: readonly string[];
}

export interface FolderEdge {
  from: string;
  to: string;
  count: number;
  /** The first import that makes the edge (by file, then line). */
  sample: Import;
  /** The edge lies on a cycle: both ends are in one strongly connected component. */
  upward: boolean;
}

export interface Cycle {
  /** The members of the component, sorted. */
  members: string[];
  /** One shortest closed path through the first member. */
  path: string[];
  /** Every edge inside the component, with one import each. */
  edges: Array<{ from: string; to: string; sample: Import }>;
}

export interface LayerReport {
  files: number;
  folders: string[];
  edges: FolderEdge[];
  folderCycles: Cycle[];
  fileCycles: Cycle[];
  groundFloor: Import[];
  /** Relative imports that name no file in the map (tsc reports these; listed for the reader). */
  unresolved: Import[];
}

const byPlace = (a: Import, b: Import): number =>
  a.from < b.from ? -1 : a.from > b.from ? 1 : a.line - b.line;

/** Cycles of a graph given as sorted imports keyed by node; `key` maps a file to its node. */
function cyclesOf(imports: readonly Import[], key: (file: string) => string): Cycle[] {
  const edges = new Map<string, Set<string>>();
  const sample = new Map<string, Import>();
  const nodes = new Set<string>();
  for (const i of imports) {
    const u = key(i.from);
    const v = key(i.to!);
    nodes.add(u).add(v);
    if (u === v) continue;
    if (!edges.has(u)) edges.set(u, new Set());
    edges.get(u)!.add(v);
    if (!sample.has(`${u}\0${v}`)) sample.set(`${u}\0${v}`, i);
  }
  const cycles: Cycle[] = [];
  for (const members of components([...nodes].sort(), edges)) {
    if (members.length < 2) continue;
    const set = new Set(members);
    const inside: Cycle['edges'] = [];
    for (const u of members) {
      for (const v of [...(edges.get(u) ?? [])].sort()) {
        if (set.has(v)) inside.push({ from: u, to: v, sample: sample.get(`${u}\0${v}`)! });
      }
    }
    cycles.push({ members, path: shortestCycle(members[0]!, set, edges), edges: inside });
  }
  return cycles;
}

export function analyse(all: readonly Import[], config: LayerConfig, files: number): LayerReport {
  const imports = all.filter((i) => i.to !== undefined).sort(byPlace);
  const unresolved = all.filter((i) => i.to === undefined && i.specifier.startsWith('.'));
  const folderCycles = cyclesOf(imports, folderOf);
  const inCycle = new Map<string, number>();
  folderCycles.forEach((c, n) => c.members.forEach((m) => inCycle.set(m, n)));

  const edges = new Map<string, FolderEdge>();
  const folders = new Set<string>();
  for (const i of imports) {
    const from = folderOf(i.from);
    const to = folderOf(i.to!);
    folders.add(from).add(to);
    if (from === to) continue;
    const e = edges.get(`${from}\0${to}`);
    if (e) e.count++;
    else {
      const upward = inCycle.has(from) && inCycle.get(from) === inCycle.get(to);
      edges.set(`${from}\0${to}`, { from, to, count: 1, sample: i, upward });
    }
  }

  const fileCycles = config.acyclicFolders.flatMap((folder) =>
    cyclesOf(
      imports.filter((i) => folderOf(i.from) === folder && folderOf(i.to!) === folder),
      (f) => f,
    ),
  );
  const groundFloor = imports.filter((i) => {
    const from = folderOf(i.from);
    const to = folderOf(i.to!);
    const allowed = config.groundFloor[from];
    return allowed !== undefined && from !== to && !allowed.includes(to);
  });
  const sorted = [...edges.values()].sort((a, b) =>
    a.from === b.from ? (a.to < b.to ? -1 : 1) : a.from < b.from ? -1 : 1,
  );
  return {
    files,
    folders: [...folders].sort(),
    edges: sorted,
    folderCycles,
    fileCycles,
    groundFloor,
    unresolved,
  };
}

/** True when the report shows nothing that breaks the layering. */
export const clean = (r: LayerReport): boolean =>
  r.folderCycles.length === 0 && r.fileCycles.length === 0 && r.groundFloor.length === 0;
