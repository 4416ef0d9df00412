/**
 * core/canonical-json.ts writes exactly what the `canonicalize` package writes (plan hashes and
 * cache keys of existing runs were made with it): on every shipped pipeline's plan, on generated
 * values of every JSON shape, and on the values it refuses.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { compilePipelineFile } from '../../compiler/index.js';
import { canonicalJson } from '../../core/canonical-json.js';
import { PermanentError } from '../../core/errors.js';
import { rng } from '../helpers/rng.js';

const reference = (value: unknown): string => canonicalize(value) ?? 'null';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

function pipelineFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? pipelineFiles(path.join(dir, e.name)) : e.name.endsWith('.yaml') ? [path.join(dir, e.name)] : []));
}

const CHARS = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', '€', '\u2028', '\uffff', '😀', '\ud83d\ude00', '\u00e9', 'ﬀ'];
const NUMBERS = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789.125, 5e-324, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, -1.5e300, 2 ** 53 + 2];

function generate(next: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const text = (): string => Array.from({ length: Math.floor(next() * 6) }, () => pick(CHARS)).join('');
  const kind = depth > 4 ? Math.floor(next() * 4) : Math.floor(next() * 7);
  switch (kind) {
    case 0:
      return text();
    case 1:
      return next() < 0.5 ? pick(NUMBERS) : (next() - 0.5) * 10 ** Math.floor(next() * 30 - 10);
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
      return Array.from({ length: Math.floor(next() * 5) }, () => (next() < 0.1 ? undefined : generate(next, depth + 1)));
    default: {
      const record: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 6); i > 0; i--) record[text()] = next() < 0.1 ? undefined : generate(next, depth + 1);
      return record;
    }
  }
}

describe('canonicalJson', () => {
  it('writes the plans of the shipped pipelines as canonicalize does', () => {
    const files = pipelineFiles(path.resolve('pipelines'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const result = compilePipelineFile(file, { root: path.resolve('pipelines') });
      if (!result.ok) throw new Error(`${file}: ${result.diagnostics[0]?.message}`);
      expect(canonicalJson(result.plan), file).toBe(reference(result.plan));
    }
  });

  it('writes generated values of every JSON shape as canonicalize does', () => {
    const next = rng(20_261_206);
    for (let i = 0; i < 5000; i++) {
      const value = generate(next, 0);
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });

  it('treats undefined, symbols, toJSON and key order as canonicalize does', () => {
    const values: unknown[] = [
      undefined,
      { b: 1, a: undefined, c: Symbol('s'), B: [undefined, Symbol('t'), 2] },
      { 'é': 1, e: 2, '😀': 3, '\uffff': 4, '': 5, '10': 6, '9': 7 },
      { when: new Date(0), nested: { toJSON: () => ({ z: 1, a: [1, 2] }) } },
      [[], {}, [[]], { a: {} }],
      'plain',
      -0,
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(reference(value));
  });

  it('refuses what canonicalize refuses, with its messages, as permanent errors', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const refused: unknown[] = [NaN, Infinity, { a: [-Infinity] }, '\ud800', 'a\udc00b', { '\ud83d': 1 }, circular, [circular]];
    for (const value of refused) {
      expect(() => reference(value)).toThrow();
      expect(() => canonicalJson(value)).toThrow(PermanentError);
      expect(messageOf(() => canonicalJson(value))).toBe(messageOf(() => reference(value)));
    }
  });
});
