/**
 * Seeded single-point mutations of a correct Python solution: the "buggy program" of a repair
 * task made from a code-generation benchmark (MBPP). Each operator is a classic mutation-testing
 * operator; the kind becomes the task's `category`, so a balanced subset spreads over bug kinds.
 * A mutation may leave behaviour unchanged (an equivalent mutant): the pipeline runs the buggy
 * program in the sandbox and keeps only tasks whose buggy program fails (docs/repairity-method.md).
 */
import { seededRandom } from '../../core/seeded-random.js';

interface Operator {
  kind: string;
  pattern: RegExp;
  replace: (match: string) => string;
}

const replaceOp = (pairs: Record<string, string>) => (m: string) => m.replace(/<=|>=|==|!=|\+=|-=|\/\/|[<>+\-*]/, (op) => pairs[op] ?? op);

const OPERATORS: Operator[] = [
  { kind: 'comparison', pattern: /(?<![<>=!-])(<=|>=|==|!=|<|>)(?![<>=])/g, replace: replaceOp({ '<=': '<', '>=': '>', '==': '!=', '!=': '==', '<': '<=', '>': '>=' }) },
  { kind: 'arithmetic', pattern: /(?<=[\w)\]] ?)(\+|-|\*|\/\/)(?![=*\/])(?= ?[\w(\[])/g, replace: replaceOp({ '+': '-', '-': '+', '*': '+', '//': '%' }) },
  { kind: 'arithmetic', pattern: /(\+=|-=)/g, replace: replaceOp({ '+=': '-=', '-=': '+=' }) },
  { kind: 'off-by-one', pattern: /range\(([^()]*)\)/g, replace: (m) => m.replace(/\)$/, ' - 1)') },
  { kind: 'constant', pattern: /(?<![\w.])\d+(?![\w.])/g, replace: (m) => String(Number(m) + 1) },
  { kind: 'boolean', pattern: /\b(and|or|True|False)\b/g, replace: (m) => ({ and: 'or', or: 'and', True: 'False', False: 'True' })[m] ?? m },
  { kind: 'builtin', pattern: /\b(max|min)\(/g, replace: (m) => (m.startsWith('max') ? 'min(' : 'max(') },
  { kind: 'index', pattern: /\[(0|1|-1)\]/g, replace: (m) => ({ '[0]': '[1]', '[1]': '[0]', '[-1]': '[0]' })[m] ?? m },
  { kind: 'set-operator', pattern: /(?<=[\w)] ?)[&|](?= ?[\w(])/g, replace: (m) => (m === '&' ? '|' : '&') },
  { kind: 'condition', pattern: /\b(if|while) (?!not )([^:\n]+):/g, replace: (m) => m.replace(/^(if|while) (.+):$/, '$1 not ($2):') },
  { kind: 'return-value', pattern: /return ?(?!not )\S[^\n]*?(?=\s*$)/gm, replace: (m) => m.replace(/^return ?(.*)$/, 'return not ($1)') },
];

/** True when `index` on its line sits outside string quotes and comments (a rough lexical check). */
function inCode(code: string, index: number): boolean {
  const lineStart = code.lastIndexOf('\n', index - 1) + 1;
  const before = code.slice(lineStart, index);
  if (before.includes('#')) return false;
  return (before.split("'").length - 1) % 2 === 0 && (before.split('"').length - 1) % 2 === 0;
}

export interface Mutation {
  code: string;
  kind: string;
  line: number;
}

/** One seeded mutation of `code`, or undefined when no operator applies. */
export function mutate(code: string, seed: number): Mutation | undefined {
  const sites: Array<{ op: Operator; index: number; match: string }> = [];
  for (const op of OPERATORS) {
    for (const m of code.matchAll(op.pattern)) {
      if (m.index !== undefined && inCode(code, m.index) && op.replace(m[0]) !== m[0]) sites.push({ op, index: m.index, match: m[0] });
    }
  }
  if (sites.length === 0) return undefined;
  const site = sites[Math.floor(seededRandom(seed)() * sites.length)]!;
  const mutated = code.slice(0, site.index) + site.op.replace(site.match) + code.slice(site.index + site.match.length);
  return { code: mutated, kind: site.op.kind, line: code.slice(0, site.index).split('\n').length };
}
