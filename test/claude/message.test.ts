import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BudgetExceeded } from '../../core/errors.js';
import { requestKey } from '../../kinds/claude/memo.js';
import { toParams } from '../../kinds/claude/request.js';
import { makeContext, startFixture, type Fixture } from './helpers.js';

describe('claude.message against the local server', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(async () => fx.close());
  beforeEach(() => {
    fx.server.resetCounters();
    fx.server.faults.clear();
  });

  it('returns text, thinking as reasoning, code blocks, usage, cost, model and request id (streamed)', async () => {
    fx.server.setResponder(() => ({
      thinking: 'The loop is off by one.',
      text: '## Fix\n```python\ndef f(xs):\n    return xs[-1]\n```\n',
      usage: { input_tokens: 1000, output_tokens: 2000 },
    }));
    const ctx = makeContext(fx.store);
    const out = await fx.steps['claude.message']!({ model: 'claude-sonnet-4-6', prompt: 'fix item 1', maxTokens: 8000, thinkingBudget: 2048, language: 'python' }, ctx);
    expect(out.reasoning).toBe('The loop is off by one.');
    expect(out.reasoningSource).toBe('thinking');
    expect(out.code).toEqual([{ lang: 'python', code: 'def f(xs):\n    return xs[-1]' }]);
    expect(out.fix).toBe('def f(xs):\n    return xs[-1]');
    expect(out.usage).toMatchObject({ inputTokens: 1000, outputTokens: 2000 });
    // Sonnet 4.x: $3 in, $15 out per million tokens.
    expect(out.costUsd).toBeCloseTo(0.003 + 0.03, 10);
    expect(out.model).toBe('claude-sonnet-4-6');
    expect(out.requestId).toMatch(/^req_test_/);
    expect(out.cached).toBe(false);
    expect(ctx.usage).toEqual({ requests: 1, inputTokens: 1000, outputTokens: 2000, costUsd: out.costUsd });
    expect(fx.server.received[0]!.stream).toBe(true);
    expect(fx.server.received[0]!.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
  });

  it('asks for adaptive thinking and streams it', async () => {
    fx.server.setResponder(() => ({ thinking: 'adaptive thoughts', text: 'done' }));
    const out = await fx.steps['claude.message']!({ model: 'claude-opus-5', prompt: 'adaptive item', adaptiveThinking: true }, makeContext(fx.store));
    expect(out.reasoning).toBe('adaptive thoughts');
    expect(fx.server.received[0]).toMatchObject({ stream: true, thinking: { type: 'adaptive' } });
  });

  it('takes the analysis sections as reasoning when thinking is off (non-streamed)', async () => {
    fx.server.setResponder(() => ({ text: '## Analysis\nIndex error on empty input.\n\n## Fix\n```python\npass\n```' }));
    const out = await fx.steps['claude.message']!({ model: 'claude-haiku-4-5', system: 'You repair code.', prompt: 'fix item 2', temperature: 0.2, stopSequences: ['###'] }, makeContext(fx.store));
    expect(out.reasoning).toBe('Index error on empty input.');
    expect(out.reasoningSource).toBe('analysis');
    const body = fx.server.received[0]!;
    expect(body.stream).toBeFalsy();
    expect(body).toMatchObject({ system: 'You repair code.', temperature: 0.2, stop_sequences: ['###'], max_tokens: 4096 });
  });

  it('marks the system prompt for prompt caching when asked', async () => {
    fx.server.setResponder(() => ({ text: 'ok' }));
    await fx.steps['claude.message']!({ model: 'claude-haiku-4-5', system: 'long shared instructions', cacheSystem: true, prompt: 'cache item' }, makeContext(fx.store));
    expect(fx.server.received[0]!.system).toEqual([{ type: 'text', text: 'long shared instructions', cache_control: { type: 'ephemeral' } }]);
  });

  it('accepts a conversation as messages', async () => {
    fx.server.setResponder(() => ({ text: 'ok' }));
    await fx.steps['claude.message']!(
      { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], prompt: 'c' },
      makeContext(fx.store),
    );
    expect(fx.server.received[0]!.messages.map((m) => m.content)).toEqual(['a', 'b', 'c']);
  });

  it('a memo hit makes zero requests; cache: false asks again', async () => {
    fx.server.setResponder(() => ({ text: 'memo me' }));
    const input = { model: 'claude-haiku-4-5', prompt: 'memo item' };
    const first = await fx.steps['claude.message']!(input, makeContext(fx.store));
    expect(fx.server.counters.requests).toBe(1);
    const ctx = makeContext(fx.store);
    const again = await fx.steps['claude.message']!(input, ctx);
    expect(fx.server.counters.requests).toBe(1);
    expect(again.cached).toBe(true);
    expect(again.costUsd).toBe(0);
    expect(again.text).toBe(first.text);
    expect(again.requestId).toBe(first.requestId);
    expect(ctx.usage.requests).toBe(0);
    await fx.steps['claude.message']!(input, makeContext(fx.store, { cache: false }));
    expect(fx.server.counters.requests).toBe(2);
  });

  it('the memo key covers model, parameters, system, messages and thinking', () => {
    const base = { model: 'm', prompt: 'p' };
    const k = requestKey(toParams(base));
    expect(requestKey(toParams({ ...base }))).toBe(k);
    expect(requestKey({ ...toParams(base), stream: true })).toBe(k);
    for (const change of [{ model: 'n' }, { prompt: 'q' }, { system: 's' }, { maxTokens: 5 }, { temperature: 0.5 }, { stopSequences: ['x'] }, { thinkingBudget: 1024, maxTokens: 5000 }]) {
      expect(requestKey(toParams({ ...base, ...change }))).not.toBe(k);
    }
  });

  it('fails with BudgetExceeded before calling once the budget is spent, but memoised answers still come back', async () => {
    fx.server.setResponder(() => ({ text: 'paid' }));
    await fx.steps['claude.message']!({ model: 'claude-haiku-4-5', prompt: 'budget item 1' }, makeContext(fx.store));
    expect(fx.server.counters.requests).toBe(1);
    const broke = makeContext(fx.store, { budgetRemainingUsd: 0 });
    await expect(fx.steps['claude.message']!({ model: 'claude-haiku-4-5', prompt: 'budget item 2' }, broke)).rejects.toThrow(BudgetExceeded);
    await expect(fx.steps['claude.message']!({ model: 'claude-haiku-4-5', prompt: 'budget item 2' }, broke)).rejects.toThrow(/Raise "budget"/);
    expect(fx.server.counters.requests).toBe(1);
    const memo = await fx.steps['claude.message']!({ model: 'claude-haiku-4-5', prompt: 'budget item 1' }, makeContext(fx.store, { budgetRemainingUsd: 0 }));
    expect(memo.cached).toBe(true);
  });

  it('prices unknown models at the fallback and reads an override table', async () => {
    const fs = await import('node:fs/promises');
    const file = `${fx.dir}/prices.json`;
    await fs.writeFile(file, JSON.stringify({ models: { 'my-model': { input: 1, output: 2 } } }));
    const steps = fx.stepsWith({ claude: { apiKey: 'sk-ant-api03-TESTKEY-0123456789abcdef', baseURL: fx.server.url, timeoutMs: 10_000, concurrency: 1, pricesFile: file } });
    fx.server.setResponder(() => ({ text: 'x', usage: { input_tokens: 1_000_000, output_tokens: 1_000_000 } }));
    const out = await steps['claude.message']!({ model: 'my-model-2026', prompt: 'price item' }, makeContext(fx.store));
    expect(out.costUsd).toBeCloseTo(3, 10);
    const ctx = makeContext(fx.store);
    const unknown = await steps['claude.message']!({ model: 'nobody-knows', prompt: 'price item' }, ctx);
    expect(unknown.costUsd).toBeGreaterThan(3);
    expect(ctx.logs.join('\n')).toMatch(/no price for Claude model nobody-knows/);
  });
});
