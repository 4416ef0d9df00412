/**
 * Bad input never throws: random truncations and byte edits of valid files give diagnostics
 * (or, rarely, still a valid plan), never an exception or an internal error.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rng } from '../helpers/rng.js';
import { compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { testCatalog } from './catalog.js';

const full = readFileSync(fileURLToPath(new URL('./fixtures/good/full.yaml', import.meta.url)), 'utf8');
const child = readFileSync(fileURLToPath(new URL('./fixtures/good/child.yaml', import.meta.url)), 'utf8');
const loadPipeline = () => ({ text: child, file: 'child.yaml' });

function check(text: string): void {
  let result;
  try {
    result = compilePipeline(text, { file: 'fuzz.yaml', catalog: testCatalog, loadPipeline });
  } catch (err) {
    throw new Error(`compilePipeline threw on:\n${text}\n${(err as Error).stack}`);
  }
  if (!result.ok) {
    expect(result.diagnostics.length).toBeGreaterThan(0);
    const internal = result.diagnostics.filter((d) => d.code === 'internal');
    expect(internal, `${formatDiagnostics(internal)}\non:\n${text}`).toEqual([]);
    for (const d of result.diagnostics) {
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
    }
  }
}

describe('fuzz', () => {
  it('every truncation of a valid file', () => {
    for (let n = 0; n < full.length; n += 11) check(full.slice(0, n));
  });

  it('random edits of a valid file', () => {
    const random = rng(12345);
    const alphabet = ['', ' ', '\n', ':', '-', '[', ']', '{', '}', '${{', '}}', '"', "'", '&a', '*a', '#', '\t', 'x', '0', 'steps.', 'needs: '];
    for (let i = 0; i < 200; i++) {
      let text = full;
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * text.length);
        const cut = Math.floor(random() * 6);
        const insert = alphabet[Math.floor(random() * alphabet.length)]!;
        text = text.slice(0, at) + insert + text.slice(at + cut);
      }
      check(text);
    }
  });
});
