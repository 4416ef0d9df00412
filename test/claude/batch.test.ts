import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchRecordKey, type BatchItemRecord } from '../../kinds/claude/batch.js';
import { ClaudeRateLimitError } from '../../kinds/claude/errors.js';
import { faults } from '../../claude-simulator/index.js';
import { makeContext, startFixture, TEST_KEY, type Fixture } from './helpers.js';

async function readResults(fx: Fixture, uri: string): Promise<BatchItemRecord[]> {
  const text = (await fx.store.read(uri)).toString('utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l) as BatchItemRecord);
}

describe('claude.batch against the local server', () => {
  let fx: Fixture;
  let run = 0;
  const requests = (tag: string, count = 5) => Array.from({ length: count }, (_, i) => ({ id: `t${i}`, prompt: `${tag} prompt ${i}` }));

  beforeAll(async () => {
    fx = await startFixture({ batchProcessingMs: 150 });
    fx.server.setResponder((req) => ({ text: `answer to ${String(req.messages[0]!.content)}\n\`\`\`python\nx = 1\n\`\`\``, usage: { input_tokens: 100, output_tokens: 200 } }));
  });
  afterAll(async () => fx.close());
  beforeEach(() => {
    fx.server.resetCounters();
    fx.server.faults.clear();
    run++;
  });

  it('creates one batch, polls with heartbeats, maps results back by custom id and prices them at half', async () => {
    const ctx = makeContext(fx.store, { idempotencyKey: `run-${run}/batch` });
    const out = await fx.steps['claude.batch']!({ requests: requests('basic'), defaults: { model: 'claude-sonnet-4-6', maxTokens: 512 }, pollIntervalMs: 20, language: 'python' }, ctx);
    expect(fx.server.counters.batchesCreated).toBe(1);
    expect(fx.server.counters.batchRequests).toBe(5);
    expect(out).toMatchObject({ count: 5, succeeded: 5, failed: 0, cached: 0, inputTokens: 500, outputTokens: 1000 });
    expect(out.batchId).toMatch(/^msgbatch_/);
    // 5 x (100 x $3 + 200 x $15) / 1e6, halved.
    expect(out.costUsd).toBeCloseTo((5 * (300 + 3000)) / 1e6 / 2, 12);
    expect(ctx.usage).toMatchObject({ requests: 5, inputTokens: 500, outputTokens: 1000 });
    expect(ctx.heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(ctx.heartbeats.every((h) => (h as { batchId: string }).batchId === out.batchId)).toBe(true);
    const rows = await readResults(fx, out.results);
    expect(rows.map((r) => r.customId)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(rows[3]!.outputs!.text).toContain('basic prompt 3');
    expect(rows[3]!.outputs!.fix).toBe('x = 1');
    expect(fx.server.counters.byRoute.get('GET /v1/messages/batches/:id/results')).toBe(1);
  });

  it('memoises each answer: claude.message and a later batch with the same requests make no request', async () => {
    const reqs = requests('memo', 3);
    await fx.steps['claude.batch']!({ requests: reqs, defaults: { model: 'claude-haiku-4-5' }, pollIntervalMs: 20 }, makeContext(fx.store, { idempotencyKey: `run-${run}/a` }));
    expect(fx.server.counters.batchesCreated).toBe(1);
    const single = await fx.steps['claude.message']!({ model: 'claude-haiku-4-5', prompt: 'memo prompt 1' }, makeContext(fx.store));
    expect(single.cached).toBe(true);
    const again = await fx.steps['claude.batch']!({ requests: reqs, defaults: { model: 'claude-haiku-4-5' }, pollIntervalMs: 20 }, makeContext(fx.store, { idempotencyKey: `run-${run}/b` }));
    expect(again).toMatchObject({ batchId: null, cached: 3, succeeded: 3, costUsd: 0 });
    expect(fx.server.counters.batchesCreated).toBe(1);
    expect(fx.server.counters.requests).toBe(0);
  });

  it('reports errored items and keeps the others', async () => {
    fx.server.options.models = ['claude-haiku-4-5'];
    try {
      const out = await fx.steps['claude.batch']!(
        { requests: [{ prompt: 'ok one', model: 'claude-haiku-4-5' }, { prompt: 'bad one', model: 'no-such-model' }], pollIntervalMs: 20 },
        makeContext(fx.store, { idempotencyKey: `run-${run}/err` }),
      );
      expect(out).toMatchObject({ succeeded: 1, failed: 1 });
      const rows = await readResults(fx, out.results);
      expect(rows[1]).toMatchObject({ customId: 'item-1', status: 'errored', error: { type: 'not_found_error' } });
    } finally {
      delete fx.server.options.models;
    }
  });

  it('a transient failure creating the batch is classified (and creates nothing)', async () => {
    fx.server.faults.enqueue(faults.rateLimit(2));
    await expect(
      fx.steps['claude.batch']!({ requests: requests('fail', 2), defaults: { model: 'claude-haiku-4-5' } }, makeContext(fx.store, { idempotencyKey: `run-${run}/x` })),
    ).rejects.toThrow(ClaudeRateLimitError);
    expect(fx.server.counters.batchesCreated).toBe(0);
  });

  it('resumes after a crash from the heartbeat details: exactly one batch', async () => {
    const key = `run-${run}/crash`;
    const input = { requests: requests('crash'), defaults: { model: 'claude-haiku-4-5' }, pollIntervalMs: 20 };
    let saved: unknown;
    const first = makeContext(fx.store, { idempotencyKey: key });
    first.heartbeat = (d) => {
      saved = d;
      first.abort(new Error('worker lost'));
    };
    await expect(fx.steps['claude.batch']!(input, first)).rejects.toThrow('worker lost');
    expect(fx.server.counters.batchesCreated).toBe(1);
    // Even without the store record, the heartbeat details carry the batch id.
    await fx.store.delete(batchRecordKey(key));
    const second = makeContext(fx.store, { idempotencyKey: key, attempt: 2, lastHeartbeatDetails: saved });
    const out = await fx.steps['claude.batch']!(input, second);
    expect(fx.server.counters.batchesCreated).toBe(1);
    expect(out.batchId).toBe((saved as { batchId: string }).batchId);
    expect(out.succeeded).toBe(5);
    // And a third run of the finished invocation returns the recorded outputs.
    const third = await fx.steps['claude.batch']!(input, makeContext(fx.store, { idempotencyKey: key, attempt: 3 }));
    expect(third).toEqual(out);
    expect(fx.server.counters.batchesCreated).toBe(1);
  });

  it('a worker process killed with SIGKILL while waiting: the retry finds the batch in the store, one batch in all', async () => {
    const key = `run-${run}/sigkill`;
    const reqs = requests('sigkill');
    fx.server.options.batchProcessingMs = 60_000;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'batch-child.ts'), fx.dir, fx.server.url, TEST_KEY, key, JSON.stringify(reqs.map((r) => ({ ...r, model: 'claude-haiku-4-5' })))], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const deadline = Date.now() + 60_000;
      while (!(await fx.store.exists(batchRecordKey(key))) || !/heartbeat .*in_progress/.test(out)) {
        if (Date.now() > deadline) throw new Error(`child never created its batch: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      const [, signal] = await once(child, 'exit');
      expect(signal).toBe('SIGKILL');
      expect(out).not.toContain('finished');
      expect(fx.server.counters.batchesCreated).toBe(1);
    } finally {
      fx.server.options.batchProcessingMs = 50;
    }
    const result = await fx.steps['claude.batch']!({ requests: reqs.map((r) => ({ ...r, model: 'claude-haiku-4-5' })), pollIntervalMs: 20 }, makeContext(fx.store, { idempotencyKey: key, attempt: 2 }));
    expect(result.succeeded).toBe(5);
    expect(fx.server.counters.batchesCreated).toBe(1);
  });
});
