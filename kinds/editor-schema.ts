/**
 * The part of the published language schema (schemas/pipeline.schema.json) that editors use to
 * complete and check each step's `with:` by its `uses:`: `definitions.kindInputs`, one if/then per
 * kind, generated from the kinds' input schemas (`make schema` writes it; a test checks it is up
 * to date). The compiler leaves it out and checks `with:` itself (compiler/wiring.ts), with the
 * values of expressions known.
 */
import type { JsonSchema, StepSpec } from '../engine/kind.js';

type Schema = Record<string, unknown>;

/** A value that is, or holds, a `${{ }}` expression: allowed wherever the kind wants a value. */
const expression = { type: 'string', pattern: '\\$\\{\\{', description: 'An expression, `${{ ... }}`' } as const;
const expressionRef = { $ref: '#/definitions/withExpression' } as const;

/** Plain string schemas accept an expression as they are. */
const acceptsExpressions = (s: Schema) => s.type === 'string' && Object.keys(s).every((k) => ['type', 'minLength', 'description', 'default'].includes(k));

const nested = ['properties', 'patternProperties', 'definitions', '$defs'] as const;
/** Keywords whose schema is of a value in the data (wrapped), or of the same value (not wrapped). */
const values = ['additionalProperties', 'items'] as const;
const same = ['not', 'if', 'then', 'else'] as const;
const lists = ['anyOf', 'oneOf', 'allOf'] as const;

/** Keywords for the project's own tools (`x-...`) are dropped: editors and other validators reject them. */
function clean(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-')) continue;
    if ((nested as readonly string[]).includes(key)) {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, valueSchema(v)]));
    } else if ((values as readonly string[]).includes(key) && typeof value === 'object' && value !== null) {
      out[key] = Array.isArray(value) ? value.map((v: Schema) => valueSchema(v)) : valueSchema(value as Schema);
    } else if ((same as readonly string[]).includes(key) && typeof value === 'object' && value !== null) {
      out[key] = clean(value as Schema);
    } else if ((lists as readonly string[]).includes(key)) {
      out[key] = (value as Schema[]).map(clean);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The schema of a value in `with:`: the kind's, or an expression in its place. */
function valueSchema(schema: Schema | boolean): Schema | boolean {
  if (typeof schema === 'boolean') return schema;
  const cleaned = clean(schema);
  const { description, ...rest } = cleaned;
  if (Object.keys(rest).length === 0 || acceptsExpressions(cleaned)) return cleaned;
  return { ...(description !== undefined ? { description } : {}), anyOf: [rest, expressionRef] };
}

/** `definitions.kindInputs`: the known `uses:` names, and each kind's `with:` schema. */
export function kindInputsSchema(specs: readonly StepSpec[]): Schema {
  const sorted = [...specs].sort((a, b) => a.name.localeCompare(b.name));
  return {
    $comment: 'Generated from the step kinds (kinds/*/specs.ts) by `make schema`; do not edit. Editors only: the compiler checks `with:` itself.',
    allOf: [
      { properties: { uses: { enum: sorted.map((s) => s.name) } } },
      ...sorted.map((spec) => ({
        if: { properties: { uses: { const: spec.name } }, required: ['uses'] },
        then: { properties: { with: { description: `${spec.name}: ${spec.description}`, ...clean(spec.input as JsonSchema as Schema) } } },
      })),
    ],
  };
}

/** The language schema with `definitions.kindInputs` for these kinds, applied to every step. */
export function publishedSchema(language: Schema, specs: readonly StepSpec[]): Schema {
  const definitions = language.definitions as Record<string, Schema>;
  const step = { ...definitions.step, allOf: [{ $ref: '#/definitions/kindInputs' }] };
  return { ...language, definitions: { ...definitions, step, withExpression: expression, kindInputs: kindInputsSchema(specs) } };
}

/**
 * The file's text: indented like the rest of the language schema, except each kind's generated
 * entry, which stays on one line (a third of the size, and a diff line per changed kind).
 */
export function formatPublishedSchema(schema: Schema): string {
  const definitions = schema.definitions as Record<string, Schema>;
  const entries = (definitions.kindInputs!.allOf as Schema[]).map((e) => JSON.stringify(e));
  const placeholder = (i: number) => `@@kind-entry-${i}@@`;
  const shell = { ...schema, definitions: { ...definitions, kindInputs: { ...definitions.kindInputs, allOf: entries.map((_, i) => placeholder(i)) } } };
  return `${JSON.stringify(shell, null, 2).replace(/"@@kind-entry-(\d+)@@"/g, (_m, i: string) => entries[Number(i)]!)}\n`;
}
