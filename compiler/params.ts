/**
 * Params: checking a value against a declared param, coercing `--param k=v` strings, and binding
 * the params of a run (defaults applied, every problem reported at once).
 */
import { canonicalJson } from '../core/canonical-json.js';
import { PermanentError } from '../core/errors.js';
import type { ParamSpec, ParamType, Plan } from '../engine/plan.js';
import { didYouMean } from './suggest.js';

/** The run's params are wrong: unknown names, wrong types, values outside `enum`, missing ones. */
export class InvalidParamsError extends PermanentError {
  constructor(
    readonly problems: string[],
    file?: string,
  ) {
    super(`invalid params${file ? ` for ${file}` : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, file ? { file } : {});
  }
}

export function hasType(type: ParamType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** A problem with `value` as the value of param `name`, or undefined when it is fine. */
export function checkParamValue(name: string, spec: ParamSpec, value: unknown): string | undefined {
  if (!hasType(spec.type, value)) return `param "${name}" must be ${withArticle(spec.type)}, not ${show(value)}`;
  if (spec.enum && !spec.enum.some((e) => canonicalJson(e) === canonicalJson(value))) {
    return `param "${name}" must be one of ${spec.enum.map(show).join(', ')}, not ${show(value)}${typeof value === 'string' ? didYouMean(value, spec.enum.filter((e): e is string => typeof e === 'string')) : ''}`;
  }
  return undefined;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** Turns a command-line string into a value of the param's type. */
export function coerceParam(name: string, spec: ParamSpec, raw: string): { value: unknown } | { error: string } {
  const fail = (what: string): { error: string } => ({ error: `param "${name}" must be ${what}, not ${JSON.stringify(raw)} (--param ${name}=<${spec.type}>)` });
  switch (spec.type) {
    case 'string':
      return { value: raw };
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(n) ? { value: n } : fail('a number');
    }
    case 'integer': {
      const n = /^\s*[-+]?[0-9]+\s*$/.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(n) ? { value: n } : fail('an integer');
    }
    case 'boolean': {
      const lower = raw.trim().toLowerCase();
      if (TRUE.has(lower)) return { value: true };
      if (FALSE.has(lower)) return { value: false };
      return fail('true or false');
    }
    case 'array':
    case 'object': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return fail(spec.type === 'array' ? 'a JSON array' : 'a JSON object');
      }
      return hasType(spec.type, parsed) ? { value: parsed } : fail(spec.type === 'array' ? 'a JSON array' : 'a JSON object');
    }
  }
}

export interface BindOptions {
  /** Values are command-line strings: coerce each to its param's declared type. Default false. */
  fromStrings?: boolean;
}

/**
 * The params of a run: `given` checked against the plan's declared params, defaults applied.
 * Throws InvalidParamsError listing every problem (unknown names with a suggestion, types,
 * enums, required params without a value).
 */
export function bindParams(plan: Pick<Plan, 'params' | 'source'>, given: Record<string, unknown>, opts: BindOptions = {}): Record<string, unknown> {
  const { values, problems } = bindParamsCollect(plan.params, given, opts);
  if (problems.length > 0) throw new InvalidParamsError(problems, plan.source.file);
  return values;
}

/** bindParams without throwing: the bound values and the list of problems. */
export function bindParamsCollect(
  params: Record<string, ParamSpec>,
  given: Record<string, unknown>,
  opts: BindOptions = {},
): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const declared = Object.keys(params);
  for (const [name, raw] of Object.entries(given)) {
    const spec = params[name];
    if (!spec) {
      problems.push(
        `unknown param "${name}"${didYouMean(name, declared) || (declared.length ? `; declared params: ${declared.join(', ')}` : '; the pipeline declares no params')}`,
      );
      continue;
    }
    let value = raw;
    if (opts.fromStrings && typeof raw === 'string') {
      const coerced = coerceParam(name, spec, raw);
      if ('error' in coerced) {
        problems.push(coerced.error);
        continue;
      }
      value = coerced.value;
    }
    const problem = checkParamValue(name, spec, value);
    if (problem) problems.push(problem);
    else values[name] = value;
  }
  for (const [name, spec] of Object.entries(params)) {
    if (name in given) continue;
    if (spec.default !== undefined) values[name] = structuredClone(spec.default);
    else problems.push(`missing param "${name}" (${spec.type}${spec.description ? `: ${spec.description}` : ''}): it has no default; pass --param ${name}=<${spec.type}>`);
  }
  return { values, problems };
}
