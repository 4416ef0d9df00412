/**
 * The repository's TypeScript import graph, read with the TypeScript parser (so that an import in
 * a comment or a string is not one): every relative import, export-from and dynamic import() of
 * every tracked .ts file, with whether it is type-only (`import type`, `export type`), which
 * vanishes from the emitted code.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../helpers/repo-files.js';

export interface ImportEdge {
  from: string;
  /** Repository-relative path of the imported file (`.js` specifiers name their `.ts` source). */
  to: string;
  typeOnly: boolean;
  /** `import()`: loaded when the code runs there, not when the importing module loads. */
  lazy: boolean;
}

function resolve(from: string, spec: string): string {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  return target.endsWith('.js') && fs.existsSync(path.join(repoRoot, target.replace(/\.js$/, '.ts'))) ? target.replace(/\.js$/, '.ts') : target;
}

export function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(repoRoot, file), 'utf8'), ts.ScriptTarget.Latest, false);
  const edges: ImportEdge[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean, lazy = false) => {
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) edges.push({ from: file, to: resolve(file, spec.text), typeOnly, lazy });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false, true);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal as ts.Expression, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The import cycles among value imports (strongly connected components of two or more files, or a file importing itself). */
export function valueCycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) strong(v);
  return cycles;
}

/** Every file that loading `roots` loads (static value imports, followed transitively), the roots included. */
export function loadedBy(roots: string[], edges: ImportEdge[]): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly && !e.lazy) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...(next.get(f) ?? []));
  }
  return seen;
}
