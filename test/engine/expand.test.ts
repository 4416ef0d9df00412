/** expandForEach: a small fan-out travels in history, a larger one goes to the store; a batch runs either way (no Temporal server). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandForEach, type BatchRecordFile, type ExpandInput } from '../../activities/runtime/foreach.js';
import { runKeys } from '../../activities/runtime/keys.js';
import { runBatch } from '../../activities/runtime/run-batch.js';
import { INLINE_EXPANSION_CHARS, batchesAtOnce, batchesOf } from '../../engine/fanout.js';
import type { BatchInvocation } from '../../engine/invocation.js';
import type { StepKind } from '../../engine/kind.js';
import type { Template } from '../../engine/plan.js';
import { readJson } from '../../store/json.js';
import { LocalStore } from '../../store/local.js';

let dir: string;
let store: LocalStore;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-expand-'));
  store = new LocalStore(dir);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function input(runId: string, items: unknown[], concurrency = 16): ExpandInput {
  return { run: { runId, planHash: 'plan' }, step: { stepId: 'work', uses: 'test.echo', kindVersion: '1', with: { n: '${{ item }}' }, cache: false, maximumAttempts: 1 }, items: items as Template, scope: { params: {}, steps: {} }, concurrency };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of store.list(prefix)) keys.push(k);
  return keys;
}

const echo: StepKind = {
  spec: { name: 'test.echo', description: 'echoes', queue: 'cpu', version: '1', input: { type: 'object' }, output: { type: 'object' } },
  run: async (input) => input as Record<string, unknown>,
};

describe('expandForEach', () => {
  it('returns a small fan-out whole, cut into batches, and writes nothing to the store', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const expansion = await expandForEach(store, input('small@1', items));
    expect(expansion.batches).toEqual([
      { start: 0, count: 500 },
      { start: 500, count: 500 },
    ]);
    expect(expansion.items?.map((part) => part.length)).toEqual([500, 500]);
    expect(expansion.items?.flat()).toEqual(items);
    expect(typeof expansion.context).toBe('object');
    expect(await keysUnder('runs/')).toEqual([]);
  });

  it('cuts a small fan-out as the workflow cuts a literal list (batchesOf)', async () => {
    for (const [count, concurrency] of [[1, 1], [30, 4], [200, 24], [1001, 16], [3999, 64]] as const) {
      const items = Array.from({ length: count }, (_, i) => i);
      const expansion = await expandForEach(store, input(`cut-${count}@1`, items, concurrency));
      expect(expansion.batches, `${count} items at ${concurrency}`).toEqual(batchesOf(count, batchesAtOnce(concurrency)));
      expect(expansion.items?.flat()).toEqual(items);
    }
  });

  it(`writes a fan-out of more than ${INLINE_EXPANSION_CHARS} characters of JSON to the store, batch by batch`, async () => {
    const items = Array.from({ length: 600 }, (_, i) => ({ i, text: 'x'.repeat(120) }));
    const runId = 'large@1';
    const expansion = await expandForEach(store, input(runId, items));
    expect(expansion.items).toBeUndefined();
    expect(expansion.context).toBe(runKeys.forEachContext(runId, 'work'));
    expect(expansion.batches).toEqual([
      { start: 0, count: 300 },
      { start: 300, count: 300 },
    ]);
    expect((await readJson<{ items: unknown[] }>(store, runKeys.batchItems(runId, 'work', 300))).items).toEqual(items.slice(300));
  });

  it('counts the context once per batch: a large context sends the items to the store', async () => {
    const big = { params: { prompt: 'p'.repeat(INLINE_EXPANSION_CHARS / 4) }, steps: {} };
    const expansion = await expandForEach(store, { ...input('context@1', Array.from({ length: 100 }, (_, i) => i), 64), scope: big });
    expect(expansion.batches.length).toBe(4);
    expect(expansion.items).toBeUndefined();
  });

  it('a batch runs items sent with it as it runs items read from the store', async () => {
    const runId = 'sent@1';
    const expansion = await expandForEach(store, input(runId, ['a', 'b', 'c'], 1));
    expect(expansion.items).toEqual([['a', 'b', 'c']]);
    const inv: BatchInvocation = { mode: 'batch', context: expansion.context, batch: expansion.batches[0]!, items: expansion.items![0]!, window: 2, failFast: true, itemTimeoutMs: 60_000, maximumAttempts: 1, nonRetryableErrorTypes: [] };
    expect(await new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 }).run(runBatch, echo, inv, store)).toMatchObject({ succeeded: 3, failed: 0 });
    const [file] = await keysUnder(runKeys.batchRecords(runId, 'work', 0));
    expect((await readJson<BatchRecordFile>(store, file!)).records.map((r) => r.outputs)).toEqual([{ n: 'a' }, { n: 'b' }, { n: 'c' }]);
  });
});
