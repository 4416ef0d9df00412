import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClaudeInvalidAnswerError } from '../../kinds/claude/errors.js';
import { JUDGE_TOOL } from '../../kinds/claude/judge.js';
import { defaultAnswer, type MessagesRequestBody } from '../../claude-simulator/index.js';
import { makeContext, rankingAnswer, startFixture, type Fixture } from './helpers.js';

/** Candidate ids in the order the prompt shows them. */
function shownOrder(req: MessagesRequestBody): string[] {
  const text = String(req.messages[0]!.content);
  return [...text.matchAll(/### Candidate (\S+)/g)].map((m) => m[1]!);
}

/** Code of each candidate, by id. */
function codeOf(req: MessagesRequestBody): Map<string, string> {
  const text = String(req.messages[0]!.content);
  return new Map([...text.matchAll(/### Candidate (\S+)\n\n```[a-z]*\n([\s\S]*?)\n```/g)].map((m) => [m[1]!, m[2]!]));
}


describe('claude.judge against the local server', () => {
  let fx: Fixture;
  let n = 0;
  const input = (extra: Record<string, unknown> = {}) => ({
    model: 'claude-opus-4-8',
    task: `Fix add() (task ${++n})`,
    original: 'def add(a, b): return a - b',
    candidates: [
      { id: 'long', code: 'def add(a, b):\n    total = 0\n    total += a\n    total += b\n    return total' },
      { id: 'short', code: 'def add(a, b): return a + b' },
      { id: 'mid', code: 'def add(a, b):\n    return a + b' },
    ],
    language: 'python',
    ...extra,
  });

  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(async () => fx.close());
  beforeEach(() => {
    fx.server.resetCounters();
    fx.server.faults.clear();
  });

  it('forces the judge tool and turns the ranking into binary pairwise labels', async () => {
    fx.server.setResponder(() => rankingAnswer(['short', 'mid', 'long']));
    const ctx = makeContext(fx.store);
    const out = await fx.steps['claude.judge']!(input(), ctx);
    const req = fx.server.received[0]!;
    expect(req.tool_choice).toEqual({ type: 'tool', name: JUDGE_TOOL });
    expect(req.tools![0]!.name).toBe(JUDGE_TOOL);
    expect(req.temperature).toBeUndefined();
    expect(shownOrder(req)).toEqual(['long', 'short', 'mid']);
    expect(out.ranking).toEqual(['short', 'mid', 'long']);
    expect(out.pairs).toEqual([
      { a: 'long', b: 'short', label: 0 },
      { a: 'long', b: 'mid', label: 0 },
      { a: 'short', b: 'mid', label: 1 },
    ]);
    expect(out.preferences).toEqual([
      { chosen: 'short', rejected: 'long' },
      { chosen: 'mid', rejected: 'long' },
      { chosen: 'short', rejected: 'mid' },
    ]);
    expect(out.consistentPairs).toBe(3);
    expect(out.inconsistentPairs).toBe(0);
    expect(out.criteria.correctness).toEqual(['short', 'mid', 'long']);
    expect(ctx.usage.requests).toBe(1);
  });

  it('bothOrders keeps every pair when the judge looks at the code, not the position', async () => {
    // Prefers shorter code, wherever it is shown.
    fx.server.setResponder((req) => {
      const code = codeOf(req);
      return rankingAnswer(shownOrder(req).sort((a, b) => code.get(a)!.length - code.get(b)!.length));
    });
    const out = await fx.steps['claude.judge']!(input({ bothOrders: true }), makeContext(fx.store));
    expect(fx.server.counters.requests).toBe(2);
    expect(shownOrder(fx.server.received[1]!)).toEqual(['mid', 'short', 'long']);
    expect(out.consistentPairs).toBe(3);
    expect(out.inconsistentPairs).toBe(0);
    expect(out.rankingReversed).toEqual(out.ranking);
    expect(out.requestIds).toHaveLength(2);
  });

  it('bothOrders drops the verdicts a position-biased judge flips', async () => {
    // Always prefers whatever is shown first, except that "short" beats "mid" in any order.
    fx.server.setResponder((req) => {
      const order = shownOrder(req);
      const s = order.indexOf('short');
      const m = order.indexOf('mid');
      if (s > m) [order[s], order[m]] = [order[m]!, order[s]!];
      return rankingAnswer(order);
    });
    const out = await fx.steps['claude.judge']!(input({ bothOrders: true }), makeContext(fx.store));
    expect(out.pairs).toEqual([{ a: 'short', b: 'mid', label: 1 }]);
    expect(out.preferences).toEqual([{ chosen: 'short', rejected: 'mid' }]);
    expect(out.consistentPairs).toBe(1);
    expect(out.inconsistentPairs).toBe(2);
  });

  it('a re-run is answered from the memo with zero requests', async () => {
    fx.server.setResponder(() => rankingAnswer(['mid', 'short', 'long']));
    const same = input({ bothOrders: true });
    await fx.steps['claude.judge']!(same, makeContext(fx.store));
    expect(fx.server.counters.requests).toBe(2);
    const again = await fx.steps['claude.judge']!(same, makeContext(fx.store));
    expect(fx.server.counters.requests).toBe(2);
    expect(again.cached).toBe(true);
    expect(again.costUsd).toBe(0);
  });

  it('an answer that is not a ranking of the candidates fails as retryable and is not memoised', async () => {
    fx.server.setResponder(() => rankingAnswer(['short', 'short', 'nobody']));
    const same = input();
    await expect(fx.steps['claude.judge']!(same, makeContext(fx.store))).rejects.toThrow(ClaudeInvalidAnswerError);
    fx.server.setResponder(() => rankingAnswer(['short', 'mid', 'long']));
    const out = await fx.steps['claude.judge']!(same, makeContext(fx.store));
    expect(out.ranking).toEqual(['short', 'mid', 'long']);
    expect(fx.server.counters.requests).toBe(2);
  });

  it('fences candidate code that itself contains backticks with a longer fence', async () => {
    fx.server.setResponder(defaultAnswer);
    await fx.steps['claude.judge']!(input({ candidates: ['s = "```"', 'x = 1'] }), makeContext(fx.store));
    const prompt = String(fx.server.received[0]!.messages[0]!.content);
    expect(prompt).toContain('````python\ns = "```"\n````');
  });

  it("the server's schema-driven default answer is a valid, order-independent judgement", async () => {
    fx.server.setResponder(defaultAnswer);
    const out = await fx.steps['claude.judge']!(input({ bothOrders: true, candidates: ['a = 1', 'a = 2'] }), makeContext(fx.store));
    expect(out.ranking).toEqual(['0', '1']);
    expect(out.consistentPairs).toBe(1);
  });
});
