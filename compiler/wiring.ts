/**
 * Typed wiring: each step's `with:` against its kind's input schema (or, for a pipeline step,
 * against the child's params), and each single-expression value's type (from the declared param
 * or the producer's output schema) against the type the consumer expects.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { collectReferences, ExpressionSyntaxError, parseExpression } from '../core/expressions.js';
import type { ExpressionReference } from '../core/expressions.js';
import type { StepSpec } from '../engine/kind.js';
import type { CompileContext, StepInfo } from './context.js';
import { isRecord } from './context.js';
import { checkParamValue } from './params.js';
import { ajvDiagnostics, dotted, pointerToPath } from './schema.js';
import type { Path } from './source.js';
import { quote } from './limits.js';
import { didYouMean, listNames } from './suggest.js';
import { inputValidator } from './validators.js';
import type { JsonType } from './types.js';
import { compatible, expressionTypes, formatTypes, schemaAt, schemaTypes } from './types.js';

const hasTemplate = (v: unknown): boolean =>
  typeof v === 'string' ? v.includes('${{') : Array.isArray(v) ? v.some(hasTemplate) : isRecord(v) ? Object.values(v).some(hasTemplate) : false;

const isWholeTemplate = (v: unknown): boolean => typeof v === 'string' && /^\$\{\{[\s\S]*\}\}$/.test(v) && v.indexOf('${{', 3) < 0;

const STRUCTURAL = new Set(['required', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties', 'dependencies', 'dependentRequired', 'type', 'minItems', 'maxItems']);

function valueAtPointer(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const seg of pointerToPath(pointer)) cur = isRecord(cur) || Array.isArray(cur) ? (cur as Record<string | number, unknown>)[seg] : undefined;
  return cur;
}

/** Whether an error holds whatever the templates evaluate to, judging by its own keyword and value. */
function keepError(root: unknown, e: ErrorObject): boolean {
  const cur = valueAtPointer(root, e.instancePath);
  if (!hasTemplate(cur)) return true;
  if (isWholeTemplate(cur)) return false;
  if (typeof cur === 'string') return e.keyword === 'type';
  return STRUCTURAL.has(e.keyword);
}

/** A copy without the values that are one whole template (their type is not known). */
function withoutWholeTemplates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutWholeTemplates);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).filter(([, v]) => !isWholeTemplate(v)).map(([k, v]) => [k, withoutWholeTemplates(v)]));
  return value;
}

const COMPOSITE = new Set(['oneOf', 'anyOf', 'not']);

/**
 * The input-schema errors that hold whatever the templates evaluate to. A composite error
 * (`oneOf`, `anyOf`, `not`) on a mapping holding templates is kept when it also occurs with those
 * templated fields left out, so it depends only on the literal fields; otherwise it is dropped
 * together with its branches' errors.
 */
function inputErrors(validate: ValidateFunction, given: unknown): ErrorObject[] {
  const errors = [...(validate.errors ?? [])];
  let stripped: ErrorObject[] | undefined;
  const dropped: ErrorObject[] = [];
  const kept = errors.filter((e) => {
    if (keepError(given, e)) return true;
    if (COMPOSITE.has(e.keyword) && !isWholeTemplate(valueAtPointer(given, e.instancePath))) {
      if (!stripped) {
        validate(withoutWholeTemplates(given));
        stripped = [...(validate.errors ?? [])];
      }
      if (stripped.some((r) => r.keyword === e.keyword && r.instancePath === e.instancePath && r.schemaPath === e.schemaPath)) return true;
    }
    dropped.push(e);
    return false;
  });
  return kept.filter(
    (e) => !dropped.some((d) => COMPOSITE.has(d.keyword) && e.schemaPath.startsWith(`${d.schemaPath}/`) && e.instancePath.startsWith(d.instancePath)),
  );
}

export function checkWiring(ctx: CompileContext, step: StepInfo): void {
  const withPath = ['steps', step.id, 'with'];
  const given = step.raw.with === undefined ? {} : step.raw.with;
  if (!isRecord(given)) return;

  if (step.kind === 'activity' && step.spec) {
    const validate = inputValidator(step.spec);
    if (validate instanceof Error) {
      ctx.error('input-schema', ctx.at(['steps', step.id, 'uses']), `the input schema of step kind ${step.spec.name} does not compile (${validate.message}); this is a bug in the kind's spec, not in the pipeline`);
    } else if (!validate(given)) {
      ctx.diagnostics.push(...ajvDiagnostics(inputErrors(validate, given), given, ctx.source, withPath, { code: 'input-schema', suffix: ` (input of ${step.spec.name})` }));
    }
  }

  if (step.kind === 'activity' && step.spec) checkRecordExpressions(ctx, step.spec, given, withPath);

  if (step.kind === 'pipeline' && step.child) {
    const params = step.child.params;
    const child = String(step.raw.pipeline);
    for (const [name, value] of Object.entries(given)) {
      const spec = params[name];
      if (!spec) {
        const names = Object.keys(params);
        ctx.error('unknown-param', ctx.at([...withPath, name], 'key'), `pipeline ${child} has no param "${quote(name)}"${didYouMean(name, names) || `; its params: ${listNames(names) || '(none)'}`}`);
      } else if (!hasTemplate(value)) {
        const problem = checkParamValue(name, spec, value);
        if (problem) ctx.error('param-type', ctx.at([...withPath, name]), `${problem} (param of pipeline ${child})`);
      }
    }
    for (const [name, spec] of Object.entries(params)) {
      if (spec.default === undefined && !(name in given)) {
        // At the `with:` that lacks it (or at `pipeline:` when there is no `with:`).
        const at = step.raw.with === undefined ? ctx.at(['steps', step.id, 'pipeline'], 'key') : ctx.at(withPath, 'key');
        ctx.error('param-type', at, `step "${quote(step.id)}" must give param "${name}" (${spec.type}) of pipeline ${child} in with:, it has no default`);
      }
    }
  }

  for (const site of step.withSites) {
    if (!site.whole) continue;
    const rel = site.path.slice(withPath.length);
    const expected = expectedSchema(step, rel);
    const consumer = schemaTypes(expected);
    if (!consumer) continue;
    const producer = expressionTypes(site.expr, (ref) => referenceTypes(ctx, step, ref));
    if (!producer) continue;
    const verdict = compatible(producer, consumer);
    if (verdict === 'ok') continue;
    const message = `${dotted(site.path)} expects ${formatTypes(consumer)}${step.spec ? ` (input of ${step.spec.name})` : ''}, but \${{ ${quote(site.expression)} }} is ${formatTypes(producer)}`;
    if (verdict === 'narrowing') ctx.warn('type-mismatch', ctx.at(site.path), `${message}: a fractional value will be rejected at run time`);
    else ctx.error('type-mismatch', ctx.at(site.path), message);
  }

  const items = step.forEachSites[0];
  if (items && items.whole && step.forEachSites.length === 1) {
    const types = expressionTypes(items.expr, (ref) => referenceTypes(ctx, step, ref));
    if (types && !types.has('array') && !types.has('string') && !types.has('object')) {
      ctx.error('type-mismatch', ctx.at(items.path), `forEach of step "${step.id}" needs a list (or a reference to a stored JSONL artifact), but \${{ ${quote(items.expression)} }} is ${formatTypes(types)}`);
    }
  }
}

/**
 * Per-record expressions (input properties marked `x-record-expression`, such as `where:` of
 * data.filter and `fields:` of data.map): parsed now, so that a typo fails before any record is read.
 */
function checkRecordExpressions(ctx: CompileContext, spec: StepSpec, given: Record<string, unknown>, withPath: Path): void {
  const properties = (spec.input as { properties?: unknown }).properties;
  if (!isRecord(properties)) return;
  const marked = (s: unknown): boolean => isRecord(s) && s['x-record-expression'] === true;
  for (const [name, schema] of Object.entries(properties)) {
    const value = given[name];
    if (marked(schema)) checkRecordExpression(ctx, value, [...withPath, name]);
    else if (isRecord(schema) && marked(schema.additionalProperties) && isRecord(value)) {
      for (const [field, v] of Object.entries(value)) checkRecordExpression(ctx, v, [...withPath, name, field]);
    }
  }
}

const RECORD_CONTEXTS = new Set(['item', 'index']);

function checkRecordExpression(ctx: CompileContext, value: unknown, path: Path): void {
  if (typeof value !== 'string' || value.includes('${{') || value.trim() === '') return;
  try {
    const refs = collectReferences(parseExpression(value));
    const other = refs.find((r) => !RECORD_CONTEXTS.has(r.root));
    if (other) ctx.error('bad-reference', ctx.at(path), `${dotted(path)}: "${quote(other.root)}" is not defined in a per-record expression, which sees only item (the record) and index; use \${{ }} to put a value in when the step starts`);
  } catch (err) {
    const column = err instanceof ExpressionSyntaxError ? (err.column ?? 0) : 0;
    ctx.error('expression-syntax', ctx.source.locateInString(path, column), `${dotted(path)}: ${(err as Error).message} (a per-record expression, evaluated with item and index)`);
  }
}

function expectedSchema(step: StepInfo, rel: Path): Record<string, unknown> | undefined {
  if (step.kind === 'activity' && step.spec) return schemaAt(step.spec.input, rel);
  if (step.kind === 'pipeline' && step.child && rel.length === 1) {
    const spec = step.child.params[String(rel[0])];
    return spec ? { type: spec.type } : undefined;
  }
  return undefined;
}

/** The types a reference can have, as far as declarations tell. */
export function referenceTypes(ctx: CompileContext, step: StepInfo | undefined, ref: ExpressionReference): Set<JsonType> | undefined {
  switch (ref.root) {
    case 'params': {
      const spec = ref.path.length === 1 ? ctx.params.get(ref.path[0]!) : undefined;
      return spec ? new Set([spec.type]) : undefined;
    }
    case 'steps': {
      const producer = ctx.steps.get(ref.path[0] ?? '');
      if (!producer || ref.path[1] !== 'outputs') return undefined;
      if (ref.path.length === 2) return new Set(['object']);
      return schemaTypes(schemaAt(ctx.outputSchema(producer), ref.path.slice(2)));
    }
    case 'index':
      return ref.path.length === 0 ? new Set(['integer']) : undefined;
    case 'item':
      return step?.itemSchema ? schemaTypes(schemaAt(step.itemSchema, ref.path)) : undefined;
    default:
      return undefined;
  }
}
