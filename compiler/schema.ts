/**
 * Validates the parsed file against `schemas/pipeline.schema.json` (every violation, not only the
 * first) and turns ajv's errors into diagnostics at the offending node, in words a user can act on.
 */
import type { ErrorObject } from 'ajv';
import pipelineSchema from '../schemas/pipeline.schema.json' with { type: 'json' };
import type { Diagnostic } from './diagnostics.js';
import type { Path, SourceDocument } from './source.js';
import { quote } from './limits.js';
import { didYouMean, listNames } from './suggest.js';
import { pipelineValidator } from './validators.js';

export { pipelineSchema };

export function checkSchema(value: unknown, source: SourceDocument): Diagnostic[] {
  const validate = pipelineValidator();
  if (validate(value)) return [];
  return ajvDiagnostics(validate.errors ?? [], value, source, []);
}

export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

export function dotted(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? quote(seg) : `.${quote(seg)}`;
  }
  return out === '' ? 'the pipeline' : out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/**
 * Diagnostics for ajv errors of `root` (whose position in the file is `base`). Alternatives
 * (`anyOf`) are reduced to the branch whose type matches, `if` wrappers and `propertyNames`
 * summaries are dropped, each message names the field and, for unknown fields, the closest known one.
 */
export function ajvDiagnostics(
  errors: readonly ErrorObject[],
  root: unknown,
  source: SourceDocument,
  base: Path,
  opts: { code?: Diagnostic['code']; suffix?: string } = {},
): Diagnostic[] {
  const code = opts.code ?? 'schema';
  const suffix = opts.suffix ?? '';
  const pipelineFile = code === 'schema';
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const suppressed = new Set<ErrorObject>();

  for (const e of errors) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') continue;
    const branches = errors.filter((b) => b !== e && b.schemaPath.startsWith(`${e.schemaPath}/`) && b.instancePath.startsWith(e.instancePath));
    for (const b of branches) suppressed.add(b);
    const byBranch = new Map<string, ErrorObject[]>();
    for (const b of branches) {
      const index = b.schemaPath.slice(e.schemaPath.length + 1).split('/')[0]!;
      byBranch.set(index, [...(byBranch.get(index) ?? []), b]);
    }
    const requiredOnly = byBranch.size > 1 && [...byBranch.values()].every((bs) => bs.every((b) => b.keyword === 'required' && b.instancePath === e.instancePath));
    const matching = requiredOnly ? undefined : [...byBranch.values()].find((bs) => !bs.some((b) => b.keyword === 'type' && b.instancePath === e.instancePath));
    if (matching) {
      for (const b of matching) suppressed.delete(b);
      suppressed.add(e);
    }
  }

  for (const e of errors) {
    if (suppressed.has(e) || e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    const rel = pointerToPath(e.instancePath);
    const path = [...base, ...rel];
    const data = valueAt(root, rel);
    const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
    const custom = typeof parent['x-error'] === 'string' ? (parent['x-error'] as string) : undefined;
    let at: Path = path;
    let part: 'key' | 'value' = 'value';
    let message: string;

    if (e.propertyName !== undefined) {
      at = [...path, e.propertyName];
      part = 'key';
      message = `invalid name "${quote(e.propertyName)}" in ${dotted(path)}: ${custom ?? e.message ?? 'invalid'}`;
    } else
      switch (e.keyword) {
        case 'additionalProperties': {
          const name = String((e.params as { additionalProperty: string }).additionalProperty);
          at = [...path, name];
          part = 'key';
          const known = Object.keys((parent.properties ?? {}) as object);
          message = `unknown field "${quote(name)}" in ${dotted(path)}${didYouMean(name, known) || (known.length ? `; known fields: ${listNames(known)}` : '')}`;
          break;
        }
        case 'required': {
          const name = String((e.params as { missingProperty: string }).missingProperty);
          part = 'key';
          message =
            pipelineFile && path[0] === 'steps' && path.length === 2 && name === 'uses'
              ? `step "${String(path[1])}" has neither \`uses:\` (a step kind) nor \`pipeline:\` (a pipeline file); add one`
              : `${dotted(path)} is missing the required field "${name}"`;
          break;
        }
        case 'false schema': {
          part = 'key';
          const field = String(path[path.length - 1]);
          message =
            pipelineFile && path[0] === 'steps' && path.length === 3
              ? field === 'uses'
                ? `step "${String(path[1])}" has both \`uses:\` and \`pipeline:\`; a step runs either a step kind or a pipeline file, keep one`
                : `"${field}" cannot be set on step "${String(path[1])}", which runs a pipeline (\`pipeline:\`): set it on the child pipeline's steps`
              : `${dotted(path)} is not allowed here`;
          break;
        }
        case 'type': {
          const type = (e.params as { type: string | string[] }).type;
          const types = Array.isArray(type) ? type.join(' or ') : type;
          message = custom && typeof data !== 'object' ? `${dotted(path)}: ${custom}, not ${describe(data)}` : `${dotted(path)} must be ${article(types)}, not ${describe(data)}`;
          break;
        }
        case 'enum': {
          const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
          message = `${dotted(path)} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, not ${describe(data)}${typeof data === 'string' ? didYouMean(data, allowed.map(String)) : ''}`;
          break;
        }
        case 'const':
          message = `${dotted(path)} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, not ${describe(data)}`;
          break;
        case 'anyOf':
        case 'oneOf': {
          const alternatives = requiredAlternatives(errors, e);
          if (alternatives) {
            part = 'key';
            message = `${dotted(path)} needs ${e.keyword === 'oneOf' ? 'exactly one' : 'at least one'} of the fields ${alternatives.map((a) => `"${a}"`).join(', ')}`;
          } else {
            message = custom ? `${dotted(path)}: ${custom}, not ${describe(data)}` : `${dotted(path)} ${e.message ?? 'is invalid'}`;
          }
          break;
        }
        case 'x-max-duration-ms':
          message = `${dotted(path)} is ${describe(data)}, longer than Temporal's limit for durations (10,000 years); give a shorter duration`;
          break;
        case 'minProperties':
          message = `${dotted(path)} must not be empty`;
          break;
        default:
          message = custom ? `${dotted(path)}: ${custom}, not ${describe(data)}` : `${dotted(path)} ${e.message ?? 'is invalid'}`;
      }

    message += suffix;
    const { line, column } = source.locate(at, part);
    const key = `${line}:${column}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file: source.file, line, column, message, code: typeof parent['x-code'] === 'string' ? (parent['x-code'] as Diagnostic['code']) : code });
  }
  return out;
}

/**
 * When every branch of a failed `oneOf`/`anyOf` only asks for fields (`{ required: [x] }`), the
 * fields it offers. A `oneOf` that failed with no branch error had several branches match.
 */
function requiredAlternatives(errors: readonly ErrorObject[], e: ErrorObject): string[] | undefined {
  const schemas = e.schema;
  if (!Array.isArray(schemas) || schemas.length < 2) return undefined;
  const names: string[] = [];
  for (const branch of schemas as Record<string, unknown>[]) {
    const keys = Object.keys(branch ?? {});
    if (keys.length !== 1 || keys[0] !== 'required' || !Array.isArray(branch.required)) return undefined;
    names.push(...(branch.required as string[]));
  }
  return names;
}

function article(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
