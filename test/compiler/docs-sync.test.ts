/**
 * docs/pipeline-language.md and schemas/pipeline.schema.json list the same fields: every property
 * of the schema (recursively, through $ref) is a row of a table in the doc, and every field row of
 * the doc is a property of the schema. Map entries are written `<id>` (steps) or `<name>`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline, formatDiagnostics, pipelineSchema } from '../../compiler/index.js';

type Schema = Record<string, unknown>;
const root = pipelineSchema as unknown as Schema;

function resolve(node: Schema): Schema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((cur, seg) => (cur as Schema)[seg], root);
  return resolve(target as Schema);
}

function schemaFields(): Set<string> {
  const out = new Set<string>();
  const walk = (node: Schema, prefix: string, depth: number): void => {
    if (depth > 10) throw new Error(`schema too deep at ${prefix}`);
    const n = resolve(node);
    const props = n.properties as Record<string, Schema> | undefined;
    for (const [key, sub] of Object.entries(props ?? {})) {
      const p = prefix ? `${prefix}.${key}` : key;
      out.add(p);
      walk(sub, p, depth + 1);
    }
    if (n.additionalProperties && typeof n.additionalProperties === 'object') {
      const p = `${prefix}.${prefix === 'steps' ? '<id>' : '<name>'}`;
      out.add(p);
      walk(n.additionalProperties as Schema, p, depth + 1);
    }
  };
  walk(root, '', 0);
  return out;
}

function docFields(): Set<string> {
  const doc = readFileSync(path.join(process.cwd(), 'docs', 'pipeline-language.md'), 'utf8');
  const out = new Set<string>();
  // Rows of the field tables: the first cell is a backquoted field path. Tables of contexts,
  // forEach outputs and error kinds are recognised by their header and skipped.
  let table = '';
  for (const line of doc.split('\n')) {
    if (!line.startsWith('|')) {
      table = '';
      continue;
    }
    if (table === '') {
      table = line;
      continue;
    }
    if (!/^\|\s*Field\s*\|/.test(table)) continue;
    const m = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

describe('docs/pipeline-language.md is in step with the schema', () => {
  const inSchema = schemaFields();
  const inDoc = docFields();

  it('finds the fields on both sides', () => {
    expect(inSchema.size).toBeGreaterThan(40);
    expect(inSchema).toContain('steps.<id>.retry.nonRetryable');
    expect(inSchema).toContain('schedule.overlap');
  });

  it('documents every schema property', () => {
    expect([...inSchema].filter((f) => !inDoc.has(f)).sort()).toEqual([]);
  });

  it('lists no field that the schema lacks', () => {
    expect([...inDoc].filter((f) => !inSchema.has(f)).sort()).toEqual([]);
  });
});

describe('docs/pipeline-language.md examples', () => {
  const doc = readFileSync(path.join(process.cwd(), 'docs', 'pipeline-language.md'), 'utf8');
  const whole = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((y) => /^name:/m.test(y) && /^steps:/m.test(y));

  it('has complete pipelines', () => {
    expect(whole.length).toBeGreaterThan(0);
  });

  it.each(whole.map((y, i) => [i, y] as const))('pipeline #%i compiles against the built-in kinds', (_i, yaml) => {
    const result = compilePipeline(yaml, { file: 'doc.yaml' });
    expect(result.ok ? '' : formatDiagnostics(result.diagnostics)).toBe('');
  });
});
