import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../core/errors.js';
import {
  ClaudeAuthError,
  ClaudeConnectionError,
  ClaudeModelNotFoundError,
  ClaudeOverloadedError,
  ClaudeRateLimitError,
  ClaudeRequestError,
  ClaudeServerError,
  ClaudeSpendLimitError,
  ClaudeTimeoutError,
  rateLimitResetMs,
  retryAfterMs,
  scrub,
} from '../../kinds/claude/errors.js';
import { createClaudeSteps } from '../../kinds/claude/index.js';
import { faults } from '../../claude-simulator/index.js';
import { makeContext, startFixture, TEST_KEY, type Fixture } from './helpers.js';
import { readClaudeSettings } from '../../core/env.js';

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('Claude error classification against the local server', () => {
  let fx: Fixture;
  let n = 0;
  const call = (input: Record<string, unknown> = {}, steps = fx.steps) =>
    steps['claude.message']!({ model: 'claude-haiku-4-5', prompt: `error item ${++n}`, ...input }, makeContext(fx.store, { itemIndex: 7 }));

  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(async () => fx.close());
  beforeEach(() => {
    fx.server.resetCounters();
    fx.server.faults.clear();
    fx.server.options.echoKeyInErrors = false;
  });

  it('429 is transient, carries retry-after as retryAfterMs, and costs exactly one request', async () => {
    fx.server.faults.enqueue(faults.rateLimit(7));
    const err = await failure(call());
    expect(err).toBeInstanceOf(ClaudeRateLimitError);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(7000);
    expect((err as TransientError).context).toEqual({ step: 'teacher', item: 7 });
    expect(err.message).toMatch(/request-id req_test_/);
    expect(fx.server.counters.requests).toBe(1);
  });

  it('retry-after-ms wins over retry-after; HTTP dates are understood', async () => {
    fx.server.faults.enqueue({ kind: 'status', status: 429, type: 'rate_limit_error', retryAfter: 9, retryAfterMs: 1500 });
    expect(((await failure(call())) as TransientError).retryAfterMs).toBe(1500);
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Mon, 23 Nov 2026 10:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });

  it('without retry-after, a 429 waits for the reset of the exhausted rate limit', async () => {
    const reset = new Date(Date.now() + 5000).toISOString();
    fx.server.faults.enqueue({ kind: 'status', status: 429, type: 'rate_limit_error', headers: { 'anthropic-ratelimit-output-tokens-remaining': '0', 'anthropic-ratelimit-output-tokens-reset': reset } });
    const wait = ((await failure(call())) as TransientError).retryAfterMs!;
    expect(wait).toBeGreaterThan(3000);
    expect(wait).toBeLessThanOrEqual(5000);
    expect(rateLimitResetMs(new Headers({ 'anthropic-ratelimit-requests-remaining': '5', 'anthropic-ratelimit-requests-reset': reset }))).toBeUndefined();
  });

  it('529, 500 and 503 are transient', async () => {
    fx.server.faults.enqueue(faults.overloaded(), faults.serverError(500), faults.serverError(503));
    expect(await failure(call())).toBeInstanceOf(ClaudeOverloadedError);
    expect(await failure(call())).toBeInstanceOf(ClaudeServerError);
    expect(await failure(call())).toBeInstanceOf(ClaudeServerError);
    expect(fx.server.counters.requests).toBe(3);
  });

  it('dropped connections (before headers, mid-body, mid-stream) and stream error events are transient', async () => {
    fx.server.faults.enqueue(faults.drop('before-headers'), faults.drop('mid-body'), faults.drop('mid-body'), faults.streamError());
    expect(await failure(call())).toBeInstanceOf(ClaudeConnectionError);
    expect(await failure(call())).toBeInstanceOf(ClaudeConnectionError);
    expect(await failure(call({ stream: true }))).toBeInstanceOf(ClaudeConnectionError);
    expect(await failure(call({ stream: true }))).toBeInstanceOf(ClaudeOverloadedError);
  });

  it('a stream that ends cleanly but early is transient and not memoised', async () => {
    fx.server.faults.enqueue(faults.truncate());
    const input = { stream: true, prompt: 'truncated item' };
    expect(await failure(call(input))).toBeInstanceOf(ClaudeConnectionError);
    const ok = await call(input);
    expect((ok as { cached: boolean }).cached).toBe(false);
    expect(fx.server.counters.requests).toBe(2);
  });

  it('a slow answer past the timeout is a transient timeout', async () => {
    const steps = fx.stepsWith({ claude: { apiKey: TEST_KEY, baseURL: fx.server.url, timeoutMs: 150, concurrency: 1 } });
    fx.server.faults.enqueue(faults.slow(1000));
    const err = await failure(call({}, steps));
    expect(err).toBeInstanceOf(ClaudeTimeoutError);
    expect(err.message).toMatch(/timed out after 150 ms/);
  });

  it('400, 403, 404 and 413 are permanent and say what to fix', async () => {
    fx.server.faults.enqueue(faults.badRequest('messages: roles must alternate'), faults.forbidden(), faults.tooLarge());
    const bad = await failure(call());
    expect(bad).toBeInstanceOf(ClaudeRequestError);
    expect(bad.message).toMatch(/roles must alternate.*Fix the step's parameters/);
    expect(await failure(call())).toBeInstanceOf(ClaudeAuthError);
    const large = await failure(call());
    expect(large.message).toMatch(/Shorten the prompt/);
    fx.server.options.models = ['claude-haiku-4-5'];
    try {
      const missing = await failure(call({ model: 'claude-haiku-9' }));
      expect(missing).toBeInstanceOf(ClaudeModelNotFoundError);
      expect(missing).toBeInstanceOf(PermanentError);
      expect(missing.message).toMatch(/Check the model name "claude-haiku-9"/);
      expect(missing.message).toMatch(/--param teacher_model=/);
    } finally {
      delete fx.server.options.models;
    }
  });

  it('a 429 that reports a spend limit is permanent, with the reason', async () => {
    fx.server.faults.enqueue(faults.spendLimit());
    const err = await failure(call());
    expect(err).toBeInstanceOf(ClaudeSpendLimitError);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/spend limit.*Not retried/);
  });

  it('401 is permanent, says to set ANTHROPIC_API_KEY, and never shows the key (even when the server echoes it)', async () => {
    fx.server.options.echoKeyInErrors = true;
    const wrongKey = 'sk-ant-api03-WRONG-KEY-abcdefghijklmnop';
    const steps = fx.stepsWith({ claude: { apiKey: wrongKey, baseURL: fx.server.url, timeoutMs: 5000, concurrency: 1 } });
    const ctx = makeContext(fx.store);
    let err: Error | undefined;
    try {
      await steps['claude.message']!({ model: 'claude-haiku-4-5', prompt: 'auth item' }, ctx);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(ClaudeAuthError);
    expect(err!.message).toMatch(/Set ANTHROPIC_API_KEY/);
    const everything = [err!.message, err!.stack ?? '', JSON.stringify(err), String((err as { cause?: unknown }).cause ?? ''), ...ctx.logs].join('\n');
    expect(everything).not.toContain(wrongKey);
    expect(everything).not.toContain('WRONG-KEY');
    expect(fx.server.counters.requests).toBe(1);
    // The server did put the key in its answer: the scrubbing above is what kept it out.
    const raw = await fetch(`${fx.server.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': wrongKey }, body: '{}' });
    expect(await raw.text()).toContain(wrongKey);
  });

  it('without any key the call fails at once, making no request', async () => {
    const steps = createClaudeSteps({ store: fx.store, claude: readClaudeSettings({}) });
    const err = await failure(steps['claude.message']!({ model: 'claude-haiku-4-5', prompt: 'no key' }, makeContext(fx.store)));
    expect(err).toBeInstanceOf(ClaudeAuthError);
    expect(err.message).toMatch(/no Anthropic API key.*ANTHROPIC_API_KEY/);
    expect(fx.server.counters.requests).toBe(0);
  });

  it('scrub removes the key, key-shaped strings and auth headers', () => {
    const key = 'abc123-secret-value';
    expect(scrub(`bad key ${key} given`, [key])).toBe('bad key [redacted] given');
    expect(scrub('x sk-ant-api03-AAAAAAAAAAAA y')).toBe('x sk-ant-[redacted] y');
    expect(scrub('{"x-api-key": "zzzzzzzz"}')).not.toContain('zzzzzzzz');
    expect(scrub('Authorization: Bearer abcdefghijkl')).toBe('Authorization: Bearer [redacted]');
  });
});
