/**
 * `${{ … }}` expressions: GitHub's own expression language, parsed and evaluated by
 * `@actions/expressions` (never `eval`). Shared by the compiler (syntax and reference checks)
 * and the workers (evaluation); workflow code never evaluates expressions itself.
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { ContextAccess, Expr, IndexAccess, Literal } from '@actions/expressions/ast';
import type { Template } from '../engine/plan.js';
import { PermanentError } from './errors.js';

/** The names an expression may start from. */
export const EXPRESSION_CONTEXTS = ['params', 'steps', 'item', 'index', 'run'] as const;

export interface TemplatePart {
  /** The expression text between `${{` and `}}`, trimmed. */
  expression: string;
  /** Offsets of `${{` and just after `}}` in the string. */
  start: number;
  end: number;
}

export class ExpressionSyntaxError extends PermanentError {
  constructor(
    message: string,
    /** 0-based column inside the expression text, when the parser knows it. */
    readonly column?: number,
  ) {
    super(message);
  }
}

/** Splits a string into its `${{ … }}` parts. An unterminated `${{` is a syntax error. */
export function findTemplates(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${{', from);
    if (start < 0) return parts;
    const close = text.indexOf('}}', start + 3);
    if (close < 0) throw new ExpressionSyntaxError(`unterminated expression: "${text.slice(start)}" has no closing "}}"`, start);
    parts.push({ expression: text.slice(start + 3, close).trim(), start, end: close + 2 });
    from = close + 2;
  }
}

/** Parsed expressions by text: a fan-out evaluates the same few expressions for every item. */
const parsed = new Map<string, Expr>();
const PARSED_LIMIT = 10_000;

export function parseExpression(expression: string): Expr {
  const hit = parsed.get(expression);
  if (hit) return hit;
  const expr = parseUncached(expression);
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(expression, expr);
  return expr;
}

function parseUncached(expression: string): Expr {
  if (expression.trim() === '') throw new ExpressionSyntaxError('empty expression');
  try {
    const { tokens } = new Lexer(expression).lex();
    return new Parser(tokens, [...EXPRESSION_CONTEXTS], []).parse();
  } catch (err) {
    const pos = (err as { pos?: { column: number } }).pos;
    const shown = expression.length > 80 ? `${expression.slice(0, 80)}…` : expression;
    throw new ExpressionSyntaxError(`invalid expression "${shown}": ${(err as Error).message}`, pos?.column);
  }
}

/** A reference `root.a.b…` found in an expression, as far as its path is made of literal names. */
export interface ExpressionReference {
  root: string;
  path: string[];
}

/** Every context access in the expression, with the literal path that follows it. */
export function collectReferences(expr: Expr): ExpressionReference[] {
  const refs: ExpressionReference[] = [];
  const visit = (node: Expr, parentIsIndex: boolean): void => {
    if (node instanceof IndexAccess || node instanceof ContextAccess) {
      if (!parentIsIndex) {
        const chain = flattenAccess(node);
        if (chain) refs.push(chain);
      }
      if (node instanceof IndexAccess) {
        visit(node.expr, true);
        visit(node.index, false);
      }
      return;
    }
    for (const child of childrenOf(node)) visit(child, false);
  };
  visit(expr, false);
  return refs;
}

function flattenAccess(node: Expr): ExpressionReference | undefined {
  const path: string[] = [];
  let cur: Expr = node;
  while (cur instanceof IndexAccess) {
    if (cur.index instanceof Literal) {
      path.unshift(String(cur.index.literal.coerceString()));
    } else {
      path.length = 0; // dynamic index: keep only the literal prefix seen so far
    }
    cur = cur.expr;
  }
  if (cur instanceof ContextAccess) return { root: cur.name.lexeme, path };
  return undefined;
}

function childrenOf(node: Expr): Expr[] {
  const n = node as unknown as Record<string, unknown>;
  const out: Expr[] = [];
  for (const key of ['expr', 'left', 'right', 'group', 'index']) {
    if (n[key] instanceof Expr) out.push(n[key] as Expr);
  }
  if (Array.isArray(n.args)) out.push(...(n.args as Expr[]));
  return out;
}

export type Scope = Partial<Record<(typeof EXPRESSION_CONTEXTS)[number], unknown>>;

function toExpressionData(value: unknown): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

function fromExpressionData(value: data.ExpressionData): unknown {
  return JSON.parse(JSON.stringify(value, data.replacer)) as unknown;
}

/** The contexts an expression reads, by parsed expression. */
const contextsRead = new WeakMap<Expr, ReadonlySet<string>>();

function contextsOf(expr: Expr): ReadonlySet<string> {
  let names = contextsRead.get(expr);
  if (!names) {
    const found = new Set<string>();
    const visit = (node: Expr): void => {
      if (node instanceof ContextAccess) found.add(node.name.lexeme.toLowerCase());
      for (const child of childrenOf(node)) visit(child);
    };
    visit(expr);
    contextsRead.set(expr, (names = found));
  }
  return names;
}

/** A value the evaluator gives back as it is (a JSON string, boolean, null or finite number). */
function isPlainScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || value === null || (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0));
}

type Converted = Map<string, data.ExpressionData>;

function evaluateIn(expression: string | Expr, scope: Scope, converted: Converted): unknown {
  const expr = typeof expression === 'string' ? parseExpression(expression) : expression;
  // `${{ item }}` or `${{ index }}` naming a scalar is that scalar: no conversion, no evaluator.
  if (expr instanceof ContextAccess) {
    const name = expr.name.lexeme.toLowerCase() as keyof Scope;
    if (Object.hasOwn(scope, name) && isPlainScalar(scope[name])) return scope[name];
  }
  // Only the contexts the expression names are converted (once per template): `${{ item }}`
  // need not copy `steps` (every dependency's outputs) for each item of a fan-out.
  const read = contextsOf(expr);
  const entries: { key: string; value: data.ExpressionData }[] = [];
  for (const key of EXPRESSION_CONTEXTS) {
    if (!(key in scope) || !read.has(key)) continue;
    let value = converted.get(key);
    if (value === undefined) converted.set(key, (value = toExpressionData(scope[key])));
    entries.push({ key, value });
  }
  return fromExpressionData(new Evaluator(expr, new data.Dictionary(...entries)).evaluate());
}

export function evaluateExpression(expression: string | Expr, scope: Scope): unknown {
  return evaluateIn(expression, scope, new Map());
}

/** GitHub's truthiness: false, 0, -0, "", null are false; everything else is true. */
export function isTruthy(value: unknown): boolean {
  return !(value === false || value === 0 || value === '' || value === null || value === undefined || Number.isNaN(value));
}

/**
 * Resolves a template: a string that is exactly one `${{ e }}` keeps e's type; other strings
 * interpolate (objects as JSON); arrays and objects are resolved element by element.
 */
export function resolveTemplate(template: Template, scope: Scope): unknown {
  return resolveIn(template, scope, new Map());
}

function resolveIn(template: Template, scope: Scope, converted: Converted): unknown {
  if (typeof template === 'string') {
    const parts = findTemplates(template);
    if (parts.length === 0) return template;
    const only = parts[0]!;
    if (parts.length === 1 && only.start === 0 && only.end === template.length) {
      return evaluateIn(only.expression, scope, converted);
    }
    let out = '';
    let from = 0;
    for (const part of parts) {
      out += template.slice(from, part.start);
      const value = evaluateIn(part.expression, scope, converted);
      out += typeof value === 'string' ? value : value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
      from = part.end;
    }
    return out + template.slice(from);
  }
  if (Array.isArray(template)) return template.map((t) => resolveIn(t, scope, converted));
  if (template !== null && typeof template === 'object') {
    // A loop, not Object.fromEntries(Object.entries(...).map(...)): this runs for every forEach item.
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(template)) {
      const v = resolveIn((template as Record<string, Template>)[k]!, scope, converted);
      // An own "__proto__" key stays a key (plain assignment would set the prototype).
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }
  return template;
}
