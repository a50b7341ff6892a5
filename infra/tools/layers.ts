/**
 * The core of the layer checker (`check-layers.ts`), pure and over an in-memory file map so it can
 * be table-tested: parse each file's imports with the TypeScript parser (static, `import type`,
 * `export … from`, dynamic `import()`, `import('x').T` types, `require`), resolve the relative
 * ones to files, group files by folder (`shared/<folder>`, `functions/<folder>`, `infra/<folder>`;
 * a file directly under a root is a group of its own, `shared/errors`) and find what breaks the
 * layering: cycles between folders (strongly connected components), cycles between the files of
 * one folder, and imports out of a ground-floor folder. Type-only imports count: a type cycle is
 * still a cycle in the design.
 */
import ts from 'typescript';

export interface Import {
  /** Importing file and 1-based line. */
  from: string;
  line: number;
  /** The specifier as written and the file it resolves to (undefined: a package or missing). */
  specifier: string;
  to: string | undefined;
  typeOnly: boolean;
}

/** Every module specifier in `source`, with its 1-based line and whether it is type-only. */
export function parseImports(
  path: string,
  source: string,
): Array<{ specifier: string; line: number; typeOnly: boolean }> {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: Array<{ specifier: string; line: number; typeOnly: boolean }> = [];
  const add = (lit: ts.Node | undefined, typeOnly: boolean): void => {
    if (!lit || !ts.isStringLiteralLike(lit)) return;
    const line = sf.getLineAndCharacterOfPosition(lit.getStart(sf)).line + 1;
    out.push({ specifier: lit.text, line, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings;
      const allTypes =
        !!c &&
        !c.name &&
        !!named &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, !!c && (c.isTypeOnly || allTypes));
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (ts.isExternalModuleReference(ref)) add(ref.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (callee.kind === ts.SyntaxKind.ImportKeyword || isRequire) add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Joins a relative specifier onto the importing file's folder (posix paths, no `..` above root). */
function join(fromFile: string, specifier: string): string {
  const parts = fromFile.split('/').slice(0, -1);
  for (const seg of specifier.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

/** The file a relative specifier names: `x.js` is `x.ts`, then `x`, `x.ts`, `x/index.ts`. */
export function resolve(
  fromFile: string,
  specifier: string,
  exists: (path: string) => boolean,
): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = join(fromFile, specifier);
  const stem = base.replace(/\.(m?js|jsx)$/, '');
  const tries = [`${stem}.ts`, `${stem}.tsx`, base, `${base}.ts`, `${base}/index.ts`];
  return tries.find(exists);
}

/** `shared/api/app.ts` → `shared/api`; `shared/errors.ts` → `shared/errors`. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return file.replace(/\.[^./]+$/, '');
}

/** Every import of every file, relative ones resolved against the map's own paths. */
export function collectImports(files: ReadonlyMap<string, string>): Import[] {
  const exists = (p: string): boolean => files.has(p);
  const out: Import[] = [];
  for (const [path, source] of files) {
    for (const i of parseImports(path, source)) {
      out.push({ from: path, ...i, to: resolve(path, i.specifier, exists) });
    }
  }
  return out;
}

/**
 * Strongly connected components of a directed graph (Tarjan), each sorted, listed in the order
 * of their first node; singletons included. Iterative, so deep graphs do not overflow the stack.
 */
export function components(nodes: readonly string[], edges: ReadonlyMap<string, Set<string>>) {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: Iterator<string> }> = [];
    const enter = (n: string): void => {
      index.set(n, counter);
      low.set(n, counter++);
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, next: (edges.get(n) ?? new Set<string>()).values() });
    };
    enter(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const step = top.next.next();
      if (!step.done) {
        const w = step.value;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) !== index.get(top.node)) continue;
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== top.node);
      out.push(comp.sort());
    }
  }
  return out;
}

/** One shortest cycle through `start` inside `members` (BFS), as a closed path start → … → start. */
export function shortestCycle(
  start: string,
  members: ReadonlySet<string>,
  edges: ReadonlyMap<string, Set<string>>,
): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const u = queue[q]!;
    for (const v of [...(edges.get(u) ?? [])].sort()) {
      if (!members.has(v)) continue;
      if (v === start) {
        const path = [start];
        for (let x = u; x !== start; x = prev.get(x)!) path.unshift(x);
        path.unshift(start);
        return path;
      }
      if (!prev.has(v)) {
        prev.set(v, u);
        queue.push(v);
      }
    }
  }
  return [];
}
