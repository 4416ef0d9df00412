/**
 * Finds and parses every `${{ … }}` expression in a value from the file, keeping where each one
 * is, so that later checks (references, types) can report at the exact line and column.
 */
import type { Expr } from '@actions/expressions/ast';
import { ExpressionSyntaxError, collectReferences, findTemplates, parseExpression } from '../core/expressions.js';
import type { ExpressionReference } from '../core/expressions.js';
import type { Diagnostic } from './diagnostics.js';
import { LIMITS } from './limits.js';
import type { Path, Position, SourceDocument } from './source.js';

export interface ExpressionSite {
  /** Path of the string holding the expression. */
  path: Path;
  /** The expression text, without `${{ }}`. */
  expression: string;
  expr: Expr;
  refs: ExpressionReference[];
  /** Offset of the expression text in the string. */
  offset: number;
  /** Offset of the `${{` in the string (absent for a bare `if:` expression). */
  templateStart?: number;
  /** The string is exactly this one template, so the value keeps the expression's type. */
  whole: boolean;
}

const HINT = 'expressions may use params.<name>, steps.<id>.outputs.<name>, item, index, run and GitHub expression functions';

export class TemplateScanner {
  constructor(
    private readonly source: SourceDocument,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /** Position of character `at` of the site's expression text. */
  position(site: ExpressionSite, at = 0): Position {
    return this.source.locateInString(site.path, site.offset + at, site.templateStart);
  }

  /** Every expression in `value` (strings, recursively through lists and mappings). */
  scan(value: unknown, path: Path): ExpressionSite[] {
    const sites: ExpressionSite[] = [];
    const walk = (v: unknown, p: Path): void => {
      if (typeof v === 'string') sites.push(...this.scanString(v, p));
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(value, path);
    return sites;
  }

  private scanString(text: string, path: Path): ExpressionSite[] {
    let parts;
    try {
      parts = findTemplates(text);
    } catch (err) {
      const column = err instanceof ExpressionSyntaxError ? (err.column ?? 0) : 0;
      this.report(this.source.locateInString(path, column), `${(err as Error).message}; close it with "}}"`);
      return [];
    }
    const sites: ExpressionSite[] = [];
    for (const part of parts) {
      const inner = text.slice(part.start + 3, part.end - 2);
      const offset = part.start + 3 + Math.max(0, inner.indexOf(part.expression));
      const whole = parts.length === 1 && part.start === 0 && part.end === text.length;
      const site = this.parse(part.expression, path, offset, part.start, whole);
      if (site) sites.push(site);
    }
    return sites;
  }

  /** An `if:` value: a bare expression, or one whole `${{ }}` template. */
  scanCondition(text: string, path: Path): ExpressionSite | undefined {
    const trimmed = text.trim();
    if (!text.includes('${{')) return this.parse(trimmed, path, text.indexOf(trimmed), undefined, true);
    const sites = this.scan(text, path);
    const only = sites[0];
    if (sites.length === 1 && only && trimmed.startsWith('${{') && trimmed.endsWith('}}') && findTemplates(trimmed).length === 1) return only;
    if (sites.length > 0) {
      this.report(this.source.locate(path), `"if" must be one expression (bare, or one \${{ }} around all of it); text around or between templates makes it a non-empty string, always true`);
    }
    return undefined;
  }

  private parse(expression: string, path: Path, offset: number, templateStart: number | undefined, whole: boolean): ExpressionSite | undefined {
    const base = { path, expression, offset, whole, ...(templateStart === undefined ? {} : { templateStart }) };
    if (expression.length > LIMITS.expressionLength) {
      this.report(this.source.locateInString(path, offset, templateStart), `the expression has ${expression.length.toLocaleString('en')} characters; the limit is ${LIMITS.expressionLength.toLocaleString('en')}: compute it in a step`);
      return undefined;
    }
    try {
      const expr = parseExpression(expression);
      return { ...base, expr, refs: collectReferences(expr) };
    } catch (err) {
      const column = err instanceof ExpressionSyntaxError ? (err.column ?? 0) : 0;
      const message = (err as Error).message;
      const hint = /Unrecognized named-value/.test(message) ? `; ${HINT}` : '';
      this.report(this.source.locateInString(path, offset + column, templateStart), `${message}${hint}`);
      return undefined;
    }
  }

  private report(at: Position, message: string): void {
    this.diagnostics.push({ file: this.source.file, line: at.line, column: at.column, message, code: 'expression-syntax' });
  }
}
