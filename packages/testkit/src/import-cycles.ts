// Finds import cycles among the packages' source modules (type-only imports included: a cycle of types is still two
// modules that cannot be read, tested or moved apart). The `import-cycles` test keeps the tree free of them.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** module path → module paths it imports (relative to the repository root) */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

function sourceFiles(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist') sourceFiles(p, out);
    } else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') && !/\.test\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

function specifiers(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const st of src.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      out.push(st.moduleSpecifier.text);
    }
  }
  return out;
}

function resolveSpecifier(from: string, spec: string, root: string): string | undefined {
  let base: string;
  if (spec.startsWith('.')) base = resolve(dirname(from), spec);
  else if (spec.startsWith('@chainfan/')) {
    const [pkg, ...rest] = spec.slice('@chainfan/'.length).split('/');
    base = rest.length === 0 ? join(root, 'packages', pkg!, 'src/index.ts') : join(root, 'packages', pkg!, 'src', ...rest);
  } else return undefined;
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => /\.tsx?$/.test(c) && existsSync(c));
}

/** The import graph of every non-test module under packages/*\/src. */
export function importGraph(root: string): ImportGraph {
  const graph = new Map<string, string[]>();
  const pkgs = join(root, 'packages');
  for (const pkg of readdirSync(pkgs)) {
    const src = join(pkgs, pkg, 'src');
    if (!existsSync(src)) continue;
    for (const file of sourceFiles(src, [])) {
      const deps = specifiers(file)
        .map((s) => resolveSpecifier(file, s, root))
        .filter((d): d is string => d !== undefined)
        .map((d) => relative(root, d));
      graph.set(relative(root, file), [...new Set(deps)]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one module (or a module importing itself): each is a cycle. */
export function importCycles(graph: ImportGraph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return cycles;
}

/** One import path around a cycle, for the message: a → b → … → a. */
export function cyclePath(graph: ImportGraph, cycle: readonly string[]): string[] {
  const members = new Set(cycle);
  const start = cycle[0]!;
  // breadth-first from start back to start inside the component
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...cycle];
}
