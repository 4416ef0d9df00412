/**
 * Just enough JSON Schema reading for typed wiring: the JSON types a (sub)schema allows, the
 * subschema at a path, and whether a producer's type can feed a consumer's.
 */
import { Binary, ContextAccess, FunctionCall, Grouping, IndexAccess, Literal, Unary } from '@actions/expressions/ast';
import type { Expr } from '@actions/expressions/ast';
import { data } from '@actions/expressions';
import type { ExpressionReference } from '../core/expressions.js';

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'null';
type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

export function typeOfValue(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

/** The types a schema allows, or undefined when it allows anything (or says too little to tell). */
export function schemaTypes(schema: unknown): Set<JsonType> | undefined {
  if (!isSchema(schema)) return undefined;
  if (typeof schema.type === 'string') return new Set([schema.type as JsonType]);
  if (Array.isArray(schema.type)) return new Set(schema.type as JsonType[]);
  if ('const' in schema) return new Set([typeOfValue(schema.const)]);
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map(typeOfValue));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      const all = new Set<JsonType>();
      for (const b of branches) {
        const t = schemaTypes(b);
        if (!t) return undefined;
        for (const x of t) all.add(x);
      }
      return all;
    }
  }
  return undefined;
}

/** The subschema describing the value at `path` inside a value of `schema`, when the schema says. */
export function schemaAt(schema: unknown, path: readonly (string | number)[]): Schema | undefined {
  let cur: unknown = schema;
  for (const seg of path) {
    if (!isSchema(cur)) return undefined;
    if (typeof seg === 'number' || /^[0-9]+$/.test(seg)) {
      const items = cur.items;
      cur = isSchema(items) ? items : undefined;
      continue;
    }
    const props = cur.properties;
    if (isSchema(props) && seg in props) cur = props[seg];
    else if (isSchema(cur.additionalProperties)) cur = cur.additionalProperties;
    else return undefined;
  }
  return isSchema(cur) ? cur : undefined;
}

/**
 * Whether a schema declares the property `name`: 'yes', 'no' (it lists its properties and allows
 * no others), or 'unknown' (it does not say).
 */
export function declaresProperty(schema: unknown, name: string): 'yes' | 'no' | 'unknown' {
  if (!isSchema(schema)) return 'unknown';
  const props = schema.properties;
  if (isSchema(props) && name in props) return 'yes';
  if (!isSchema(props)) return 'unknown';
  if (schema.additionalProperties === true || isSchema(schema.additionalProperties) || isSchema(schema.patternProperties)) return 'unknown';
  return 'no';
}

export function propertyNames(schema: unknown): string[] {
  return isSchema(schema) && isSchema(schema.properties) ? Object.keys(schema.properties) : [];
}

export type Compatibility = 'ok' | 'narrowing' | 'mismatch';

/** Can a value of the producer's types go where the consumer's types are expected? */
export function compatible(producer: Set<JsonType>, consumer: Set<JsonType>): Compatibility {
  for (const p of producer) {
    if (consumer.has(p)) return 'ok';
    if (p === 'integer' && consumer.has('number')) return 'ok';
  }
  if (producer.has('number') && consumer.has('integer')) return 'narrowing';
  return 'mismatch';
}

export function formatTypes(types: Set<JsonType>): string {
  return [...types].join(' | ');
}

/** The reference an expression is made of entirely (`steps.a.outputs.b`), if it is one. */
export function pureReference(expr: Expr): ExpressionReference | undefined {
  const path: string[] = [];
  let cur: Expr = expr;
  while (cur instanceof IndexAccess) {
    if (!(cur.index instanceof Literal)) return undefined;
    path.unshift(String(cur.index.literal.coerceString()));
    cur = cur.expr;
  }
  return cur instanceof ContextAccess ? { root: cur.name.lexeme, path } : undefined;
}

const LITERAL_TYPES: Record<data.Kind, JsonType> = {
  [data.Kind.String]: 'string',
  [data.Kind.Array]: 'array',
  [data.Kind.Dictionary]: 'object',
  [data.Kind.CaseSensitiveDictionary]: 'object',
  [data.Kind.Boolean]: 'boolean',
  [data.Kind.Number]: 'number',
  [data.Kind.Null]: 'null',
};

const STRING_FUNCTIONS = new Set(['format', 'join', 'tojson']);
const BOOLEAN_FUNCTIONS = new Set(['contains', 'startswith', 'endswith']);

/**
 * The type of an expression that is not a plain reference, when its shape tells
 * (literals, comparisons, `!`, string- and boolean-valued functions); `resolve` types references.
 */
export function expressionTypes(expr: Expr, resolve: (ref: ExpressionReference) => Set<JsonType> | undefined): Set<JsonType> | undefined {
  const ref = pureReference(expr);
  if (ref) return resolve(ref);
  if (expr instanceof Grouping) return expressionTypes(expr.group, resolve);
  if (expr instanceof Literal) {
    const kind = expr.literal.kind;
    return new Set([kind === data.Kind.Number && Number.isInteger(expr.literal.number()) ? 'integer' : LITERAL_TYPES[kind]]);
  }
  if (expr instanceof Unary) return new Set(['boolean']);
  if (expr instanceof Binary) return new Set(['boolean']);
  if (expr instanceof FunctionCall) {
    const name = expr.functionName.lexeme.toLowerCase();
    if (STRING_FUNCTIONS.has(name)) return new Set(['string']);
    if (BOOLEAN_FUNCTIONS.has(name)) return new Set(['boolean']);
  }
  // Logical (&&, ||) yields one of its operands; other shapes: not known.
  return undefined;
}
