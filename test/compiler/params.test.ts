import { describe, expect, it } from 'vitest';
import { bindParams, compilePipeline, formatDiagnostics, InvalidParamsError } from '../../compiler/index.js';
import type { Plan } from '../../compiler/index.js';
import { PermanentError } from '../../core/errors.js';
import { testCatalog } from './catalog.js';

const plan = ((): Plan => {
  const result = compilePipeline(
    `name: p
params:
  data: { type: string, default: tasks.jsonl }
  fraction: { type: number, default: 0.2 }
  seed: { type: integer }
  dry: { type: boolean, default: false }
  mode: { type: string, enum: [balanced, random], default: balanced }
  tags: { type: array, default: [a] }
  extra: { type: object, default: { k: 1 } }
steps: { a: { uses: test.echo } }
`,
    { file: 'p.yaml', catalog: testCatalog },
  );
  if (!result.ok) throw new Error(formatDiagnostics(result.diagnostics));
  return result.plan;
})();

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParamsError);
    expect(err).toBeInstanceOf(PermanentError);
    return (err as InvalidParamsError).problems;
  }
  throw new Error('expected InvalidParamsError');
}

describe('bindParams', () => {
  it('applies defaults and keeps given values', () => {
    expect(bindParams(plan, { seed: 3 })).toEqual({ data: 'tasks.jsonl', fraction: 0.2, seed: 3, dry: false, mode: 'balanced', tags: ['a'], extra: { k: 1 } });
  });

  it('does not share default objects between runs', () => {
    const a = bindParams(plan, { seed: 1 });
    (a.tags as string[]).push('mutated');
    expect(bindParams(plan, { seed: 1 }).tags).toEqual(['a']);
  });

  it('coerces command-line strings by declared type', () => {
    const bound = bindParams(
      plan,
      { data: '42', fraction: '0.5', seed: '-7', dry: 'true', mode: 'random', tags: '["x","y"]', extra: '{"a":[1]}' },
      { fromStrings: true },
    );
    expect(bound).toEqual({ data: '42', fraction: 0.5, seed: -7, dry: true, mode: 'random', tags: ['x', 'y'], extra: { a: [1] } });
    expect(bindParams(plan, { seed: '1', dry: 'no' }, { fromStrings: true }).dry).toBe(false);
  });

  it('reports every problem at once: unknown (with a suggestion), types, enums, missing', () => {
    expect(problems(() => bindParams(plan, { fracton: 1, dry: 'yes', mode: 'balance', data: 3 }))).toEqual([
      'unknown param "fracton"; did you mean "fraction"?',
      'param "dry" must be a boolean, not "yes"',
      'param "mode" must be one of "balanced", "random", not "balance"; did you mean "balanced"?',
      'param "data" must be a string, not 3',
      'missing param "seed" (integer): it has no default; pass --param seed=<integer>',
    ]);
  });

  it('rejects strings that do not parse as the declared type', () => {
    expect(problems(() => bindParams(plan, { seed: '1.5', fraction: 'abc', dry: 'maybe', tags: '{"a":1}', extra: 'not json' }, { fromStrings: true }))).toEqual([
      'param "seed" must be an integer, not "1.5" (--param seed=<integer>)',
      'param "fraction" must be a number, not "abc" (--param fraction=<number>)',
      'param "dry" must be true or false, not "maybe" (--param dry=<boolean>)',
      'param "tags" must be a JSON array, not "{\\"a\\":1}" (--param tags=<array>)',
      'param "extra" must be a JSON object, not "not json" (--param extra=<object>)',
    ]);
  });

  it('checks enums after coercion and names the file in the error', () => {
    try {
      bindParams(plan, { seed: '1', mode: 'fast' }, { fromStrings: true });
      throw new Error('no error');
    } catch (err) {
      expect((err as Error).message).toBe('invalid params for p.yaml:\n  - param "mode" must be one of "balanced", "random", not "fast"');
    }
  });
});
