/**
 * `repairity kinds`: every registered kind with its queue and inputs, one kind in full, a family,
 * JSON, and a one-line error naming the closest kind for a wrong name (the built CLI).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatBrief, formatFull, summarise, typeOf, type KindSummary } from '../../cli/kind-listing.js';
import { defaultCatalog } from '../../kinds/catalog.js';
import { builtMain, ensureBuilt, repoRoot } from '../helpers/built-cli.js';

const run = promisify(execFile);
const repairity = (...args: string[]) => run(process.execPath, [builtMain, ...args], { cwd: repoRoot, timeout: 60_000 });

describe('kind summaries', () => {
  it('names types in a few words', () => {
    expect(typeOf({ type: 'string' })).toBe('string');
    expect(typeOf({ enum: ['a', 'b'] })).toBe('a | b');
    expect(typeOf({ type: ['integer', 'null'] })).toBe('integer | null');
    expect(typeOf({ type: 'array', items: { type: 'string' } })).toBe('string[]');
    expect(typeOf({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'object' }] } })).toBe('(string | object)[]');
    expect(typeOf({ type: 'object', additionalProperties: { type: 'number' } })).toBe('map of number');
    expect(typeOf({ type: 'string', 'x-record-expression': true })).toBe('expression');
    expect(typeOf({})).toBe('any');
  });

  it('lists inputs with required, default and description, and the one-of rules', () => {
    const sample = summarise(defaultCatalog.get('data.sample')!);
    expect(sample.inputs.find((i) => i.name === 'dataset')).toEqual({ name: 'dataset', type: 'string', required: true, description: 'URI of a JSONL dataset artifact' });
    expect(sample.inputs.find((i) => i.name === 'seed')).toEqual({ name: 'seed', type: 'integer', required: false, default: 0 });
    expect(sample.requires).toEqual([{ rule: 'oneOf', inputs: ['fraction', 'count'] }]);
    const brief = formatBrief(sample);
    expect(brief).toMatch(/^data\.sample {2}\(queue cpu\)\n {2}A seeded sample/);
    expect(brief).toMatch(/\n {4}seed +integer +default 0\n/);
    expect(brief).toContain('exactly one of: fraction, count');
  });

  it('shows one kind in full: facts and outputs', () => {
    const full = formatFull(summarise(defaultCatalog.get('claude.message')!));
    expect(full).toContain('queue claude · version 1 · timeout 15m · heartbeat timeout 1m · memoises its own calls · spends (budgets apply)');
    expect(full).toMatch(/\noutputs \(steps\.<id>\.outputs\.<name>\)\n {2}text +string +always/);
  });
});

describe('repairity kinds (built CLI)', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  it('lists every kind with its queue', async () => {
    const { stdout } = await repairity('kinds');
    const lines = stdout.split('\n');
    for (const spec of defaultCatalog.values()) expect(lines).toContain(`${spec.name}  (queue ${spec.queue})`);
  });

  it('prints JSON: all kinds, a family, one kind', async () => {
    const all = JSON.parse((await repairity('kinds', '--json')).stdout) as KindSummary[];
    expect(all.map((k) => k.name).sort()).toEqual([...defaultCatalog.keys()].sort());
    const family = JSON.parse((await repairity('kinds', 'claude', '--json')).stdout) as KindSummary[];
    expect(family.map((k) => k.name)).toEqual(['claude.batch', 'claude.judge', 'claude.message']);
    const one = JSON.parse((await repairity('kinds', 'train.sft', '--json')).stdout) as KindSummary;
    expect(one.queue).toBe('gpu');
    expect(one.input).toEqual(defaultCatalog.get('train.sft')!.input);
  });

  it('answers a wrong name with one line and the closest kind', async () => {
    const err = (await repairity('kinds', 'claude.judg').catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr.trim()).toBe('repairity: unknown step kind or family "claude.judg"; did you mean "claude.judge"?; `repairity kinds` lists them all');
  });
});
