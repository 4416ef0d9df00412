/**
 * schemas/pipeline.schema.json carries each kind's `with:` schema for editors: it is up to date
 * with the kinds' specs, it accepts every shipped pipeline, and it rejects a bad `with:` (a
 * missing or unknown input, a wrong type, an unknown kind) while taking `${{ }}` anywhere a value
 * goes. Checked with ajv in its lenient (editor-like) mode; the compiler leaves this part out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { defaultCatalog } from '../../kinds/catalog.js';
import { formatPublishedSchema, publishedSchema } from '../../kinds/editor-schema.js';

const file = path.resolve('schemas', 'pipeline.schema.json');
const text = readFileSync(file, 'utf8');
const schema = JSON.parse(text) as Record<string, unknown>;
const validate = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true }).compile(schema);

const pipeline = (step: Record<string, unknown>) => ({ name: 'p', steps: { a: step } });
const problems = (value: unknown) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? yamlFiles(path.join(dir, d.name)) : d.name.endsWith('.yaml') ? [path.join(dir, d.name)] : []));
}

describe('the published pipeline schema', () => {
  it('is up to date with the step kinds (else run `make schema`)', () => {
    expect(text).toBe(formatPublishedSchema(publishedSchema(schema, [...defaultCatalog.values()])));
  });

  it.each(yamlFiles(path.resolve('pipelines')).map((f) => [path.relative(process.cwd(), f)]))('accepts %s', (f) => {
    expect(problems(parse(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('checks with: by the kind in uses', () => {
    expect(problems(pipeline({ uses: 'data.filter', with: { dataset: 's3://b/d.jsonl', where: 'item.ok' } }))).toEqual([]);
    expect(problems(pipeline({ uses: 'data.filter', with: { dataset: 's3://b/d.jsonl' } }))).toContain("/steps/a/with must have required property 'where'");
    expect(problems(pipeline({ uses: 'data.filter', with: { dataset: 'd', where: 'x', limit: 3 } }))).toContain('/steps/a/with must NOT have additional properties');
    expect(problems(pipeline({ uses: 'data.sample', with: { dataset: 'd', count: 'ten' } })).join('\n')).toContain('/steps/a/with/count');
    expect(problems(pipeline({ uses: 'data.filtre', with: {} })).join('\n')).toContain('/steps/a/uses must be equal to one of the allowed values');
  });

  it('takes an expression wherever a value goes', () => {
    expect(problems(pipeline({ uses: 'data.sample', with: { dataset: '${{ steps.x.outputs.dataset }}', count: '${{ params.n }}' } }))).toEqual([]);
    expect(problems(pipeline({ uses: 'benchmarks.load', with: { benchmark: '${{ params.benchmark }}', path: 'p', mode: '${{ params.mode }}' } }))).toEqual([]);
  });

  it('leaves with: of a child pipeline to its params', () => {
    expect(problems(pipeline({ pipeline: 'child.yaml', with: { anything: 1 } }))).toEqual([]);
  });

  it('is not what the compiler checks with: against (its own messages, expressions resolved)', () => {
    const r = compilePipeline('name: p\nsteps:\n  a:\n    uses: data.filter\n    with: { dataset: "d" }\n', { file: 'p.yaml' });
    expect(r.ok).toBe(false);
    const message = r.ok ? '' : formatDiagnostics(r.diagnostics);
    expect(message).toContain('where');
    expect(message).not.toContain('must match');
  });
});
