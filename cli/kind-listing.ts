/**
 * What `repairity kinds` shows of a step kind, read from its spec alone: its queue, description,
 * and inputs and outputs as rows (name, type, required, default, description).
 */
import type { StepSpec } from '../engine/kind.js';

type Schema = Record<string, unknown>;

export interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

export interface KindSummary {
  name: string;
  queue: string;
  description: string;
  version: string;
  timeout?: string;
  heartbeatTimeout?: string;
  memoised: boolean;
  spends: boolean;
  inputs: FieldRow[];
  /** Groups of inputs of which at least one (anyOf) or exactly one (oneOf) must be given. */
  requires: { rule: 'anyOf' | 'oneOf'; inputs: string[] }[];
  outputs: FieldRow[];
  input: unknown;
  output: unknown;
}

/** A schema's type in a few words: `string`, `integer`, `a | b`, `string[]`, `map of number`, `expression`. */
export function typeOf(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'any';
  const s = schema as Schema;
  if (s['x-record-expression']) return 'expression';
  if (Array.isArray(s.enum)) return s.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' | ');
  if ('const' in s) return JSON.stringify(s.const);
  const alternatives = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (alternatives && s.type === undefined) return alternatives.map(typeOf).join(' | ');
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length === 0) return 'any';
  return types
    .map((t) => {
      if (t === 'array' && s.items) return `${typeOf(s.items)}[]`.replace(/^(.* \| .*)\[\]$/, '($1)[]');
      if (t === 'object' && typeof s.additionalProperties === 'object' && !s.properties) return `map of ${typeOf(s.additionalProperties)}`;
      return t;
    })
    .join(' | ');
}

function rows(schema: unknown): FieldRow[] {
  const s = (schema ?? {}) as Schema;
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries((s.properties ?? {}) as Record<string, Schema>).map(([name, p]) => ({
    name,
    type: typeOf(p),
    required: required.has(name),
    ...('default' in p ? { default: p.default } : {}),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
  }));
}

function requiredGroups(schema: unknown): KindSummary['requires'] {
  const s = (schema ?? {}) as Schema;
  const out: KindSummary['requires'] = [];
  for (const rule of ['anyOf', 'oneOf'] as const) {
    const alternatives = s[rule] as Schema[] | undefined;
    if (!alternatives?.every((a) => Array.isArray(a.required) && Object.keys(a).length === 1)) continue;
    out.push({ rule, inputs: alternatives.flatMap((a) => a.required as string[]) });
  }
  return out;
}

export function summarise(spec: StepSpec): KindSummary {
  return {
    name: spec.name,
    queue: spec.queue,
    description: spec.description,
    version: spec.version,
    ...(spec.timeout ? { timeout: spec.timeout } : {}),
    ...(spec.heartbeatTimeout ? { heartbeatTimeout: spec.heartbeatTimeout } : {}),
    memoised: spec.memoised ?? false,
    spends: spec.spends ?? false,
    inputs: rows(spec.input),
    requires: requiredGroups(spec.input),
    outputs: rows(spec.output),
    input: spec.input,
    output: spec.output,
  };
}

function table(fields: FieldRow[], indent: string, presence: (f: FieldRow) => string): string[] {
  const cells = fields.map((f) => [f.name, f.type, presence(f), f.description ?? '']);
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => `${indent}${c.map((v, i) => (i < 3 ? v.padEnd(widths[i]!) : v)).join('  ')}`.trimEnd());
}

const inputPresence = (f: FieldRow) => (f.required ? 'required' : 'default' in f ? `default ${JSON.stringify(f.default)}` : 'optional');
const requiresLine = (r: KindSummary['requires'][number]) => `${r.rule === 'oneOf' ? 'exactly one of' : 'at least one of'}: ${r.inputs.join(', ')}`;

/** A kind in a list: name and queue, description, inputs. */
export function formatBrief(k: KindSummary): string {
  const lines = [`${k.name}  (queue ${k.queue})`, `  ${k.description}`];
  lines.push(...(k.inputs.length ? table(k.inputs, '    ', inputPresence) : ['    (no inputs)']));
  lines.push(...k.requires.map((r) => `    ${requiresLine(r)}`));
  return lines.join('\n');
}

/** One kind in full: everything its spec says. */
export function formatFull(k: KindSummary): string {
  const facts = [
    `queue ${k.queue}`,
    `version ${k.version}`,
    ...(k.timeout ? [`timeout ${k.timeout}`] : []),
    ...(k.heartbeatTimeout ? [`heartbeat timeout ${k.heartbeatTimeout}`] : []),
    ...(k.memoised ? ['memoises its own calls'] : []),
    ...(k.spends ? ['spends (budgets apply)'] : []),
  ];
  return [
    k.name,
    `  ${k.description}`,
    `  ${facts.join(' · ')}`,
    '',
    'inputs (with:)',
    ...(k.inputs.length ? table(k.inputs, '  ', inputPresence) : ['  (none)']),
    ...k.requires.map((r) => `  ${requiresLine(r)}`),
    '',
    'outputs (steps.<id>.outputs.<name>)',
    ...(k.outputs.length ? table(k.outputs, '  ', (f) => (f.required ? 'always' : 'optional')) : ['  (none)']),
    '  (with forEach: results, count, succeeded, failed; each item\'s outputs are a record of results)',
  ].join('\n');
}
