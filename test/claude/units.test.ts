/** Pure parts of the Claude steps: answer parsing, pricing, request building. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../core/errors.js';
import { readClaudeSettings } from '../../core/env.js';
import { analysisSections, codeBlocks, primaryCode } from '../../kinds/claude/answer.js';
import { costUsd, DEFAULT_PRICES, loadPriceTable, priceFor } from '../../kinds/claude/pricing.js';
import { toParams, wantsStream } from '../../kinds/claude/request.js';

describe('answer parsing', () => {
  const answer = [
    'Intro line.',
    '',
    '## Root cause',
    'The index is off by one.',
    '',
    '```python',
    'print("not analysis")',
    '```',
    '',
    '### Details',
    'Nested detail counts too.',
    '',
    '## Fix',
    '1. Replace the function:',
    '',
    '   ```python',
    '   def f(xs):',
    '       return xs[0]',
    '   ```',
    '',
    '~~~js',
    'f()',
    '~~~',
  ].join('\n');

  it('finds fenced blocks, nested ones included, with their language', () => {
    expect(codeBlocks(answer)).toEqual([
      { lang: 'python', code: 'print("not analysis")' },
      { lang: 'python', code: 'def f(xs):\n    return xs[0]' },
      { lang: 'js', code: 'f()' },
    ]);
    expect(primaryCode(codeBlocks(answer), 'python')?.code).toBe('def f(xs):\n    return xs[0]');
    expect(primaryCode(codeBlocks(answer))?.code).toBe('f()');
    expect(codeBlocks('no code here')).toEqual([]);
  });

  it('reads analysis sections under matching headings, without their code, up to the next same-level heading', () => {
    expect(analysisSections(answer)).toBe('The index is off by one.\n\nNested detail counts too.');
    expect(analysisSections(answer, ['fix'])).toBe('1. Replace the function:\n\n   ```python\n   def f(xs):\n       return xs[0]\n   ```');
    expect(analysisSections('Because of X.\n\n```py\ny\n```')).toBe('Because of X.');
    expect(analysisSections('Just prose, no code.')).toBe('');
  });
});

describe('pricing', () => {
  it('matches the longest prefix, prices cache tokens and batches', () => {
    expect(priceFor(DEFAULT_PRICES, 'claude-opus-4-1-20250805').price).toEqual({ input: 15, output: 75 });
    expect(priceFor(DEFAULT_PRICES, 'claude-opus-4-8').price).toEqual({ input: 5, output: 25 });
    expect(priceFor(DEFAULT_PRICES, 'claude-haiku-4-5-20251001').known).toBe(true);
    expect(priceFor(DEFAULT_PRICES, 'mystery').known).toBe(false);
    const usage = { input_tokens: 1_000_000, output_tokens: 1_000_000, cache_creation_input_tokens: 1_000_000, cache_read_input_tokens: 1_000_000 };
    expect(costUsd(DEFAULT_PRICES, 'claude-sonnet-4-6', usage)).toBeCloseTo(3 + 15 + 3.75 + 0.3, 10);
    expect(costUsd(DEFAULT_PRICES, 'claude-sonnet-4-6', usage, { batch: true })).toBeCloseTo((3 + 15 + 3.75 + 0.3) / 2, 10);
  });

  it('loads an override file and refuses a malformed one, naming it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'prices-'));
    const good = path.join(dir, 'good.json');
    await fs.writeFile(good, JSON.stringify({ models: { 'claude-sonnet-4': { input: 1, output: 2 } }, fallback: { input: 9, output: 9 }, batchDiscount: 0.4 }));
    const table = loadPriceTable(good);
    expect(priceFor(table, 'claude-sonnet-4-6').price).toEqual({ input: 1, output: 2 });
    expect(priceFor(table, 'claude-opus-4-8').price).toEqual({ input: 5, output: 25 });
    expect(priceFor(table, 'x').price).toEqual({ input: 9, output: 9 });
    expect(table.batchDiscount).toBe(0.4);
    const bad = path.join(dir, 'bad.json');
    await fs.writeFile(bad, JSON.stringify({ models: { m: { input: 'cheap' } } }));
    expect(() => loadPriceTable(bad)).toThrow(PermanentError);
    expect(() => loadPriceTable(bad)).toThrow(/bad\.json: models\.m/);
    expect(() => loadPriceTable(path.join(dir, 'missing.json'))).toThrow(/missing\.json/);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('requests and settings', () => {
  it('builds the request, and refuses a thinking budget that does not fit', () => {
    expect(toParams({ model: 'm', prompt: 'p', temperature: 0, topP: 0.9 })).toEqual({ model: 'm', max_tokens: 4096, messages: [{ role: 'user', content: 'p' }], temperature: 0, top_p: 0.9 });
    expect(() => toParams({ model: 'm', prompt: 'p', maxTokens: 2000, thinkingBudget: 2000 })).toThrow(/raise maxTokens/);
    expect(() => toParams({ model: 'm' })).toThrow(/"prompt" or "messages"/);
    expect(() => toParams({ model: 'm', prompt: 'p', thinkingBudget: 1024, adaptiveThinking: true })).toThrow(/not both/);
    expect(wantsStream({ model: 'm' }, toParams({ model: 'm', prompt: 'p' }))).toBe(false);
    expect(wantsStream({ model: 'm' }, toParams({ model: 'm', prompt: 'p', maxTokens: 32000 }))).toBe(true);
    expect(wantsStream({ model: 'm', stream: false }, toParams({ model: 'm', prompt: 'p', maxTokens: 32000 }))).toBe(false);
  });

  it('reads the Claude settings from the environment, once', () => {
    expect(readClaudeSettings({})).toEqual({ timeoutMs: 600_000, concurrency: 16 });
    expect(
      readClaudeSettings({ ANTHROPIC_API_KEY: ' k ', ANTHROPIC_BASE_URL: 'http://x', REPAIRITY_CLAUDE_CONCURRENCY: '32', REPAIRITY_CLAUDE_RPS: '2.5', REPAIRITY_CLAUDE_TIMEOUT_MS: '1000', REPAIRITY_CLAUDE_PRICES: '/p.json' }),
    ).toEqual({ apiKey: 'k', baseURL: 'http://x', concurrency: 32, activitiesPerSecond: 2.5, timeoutMs: 1000, pricesFile: '/p.json' });
    expect(() => readClaudeSettings({ REPAIRITY_CLAUDE_RPS: 'fast' })).toThrow(/REPAIRITY_CLAUDE_RPS/);
  });
});
