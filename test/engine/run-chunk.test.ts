/** A chunk activity's items and the activity's cancellation, in a mock activity context (no Temporal server). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepKind } from '../../engine/kind.js';
import type { ChunkInvocation } from '../../engine/invocation.js';
import { runKeys } from '../../activities/runtime/keys.js';
import { PermanentError } from '../../core/errors.js';
import { runChunk, type ChunkRecordFile } from '../../activities/runtime/run-chunk.js';
import { readJson, writeJson } from '../../store/json.js';
import { LocalStore } from '../../store/local.js';

const ITEMS = 100;
let dir: string;
let store: LocalStore;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-chunk-'));
  store = new LocalStore(dir);
  await writeJson(store, 'context.json', { run: { runId: 'run', planHash: 'plan' }, step: { stepId: 'wait', uses: 'test.wait', kindVersion: '1', with: {}, cache: false, maximumAttempts: 1 }, scope: {} });
  await writeJson(store, 'shard.json', { start: 0, items: Array.from({ length: ITEMS }, (_, i) => i) });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A kind that waits 20 ms, or until its signal aborts while it waits (then it says why). */
function waitingKind(aborted: unknown[]): StepKind {
  return {
    spec: { name: 'test.wait', description: 'waits', queue: 'cpu', version: '1', input: { type: 'object' }, output: { type: 'object' } },
    run: (_input, ctx) =>
      new Promise((resolve, reject) => {
        const stop = (): void => {
          clearTimeout(timer);
          aborted.push(ctx.signal.reason);
          reject(new Error('stopped'));
        };
        const timer = setTimeout(() => {
          ctx.signal.removeEventListener('abort', stop);
          resolve({});
        }, 20);
        ctx.signal.addEventListener('abort', stop);
      }),
  };
}

function chunk(recordsStart: number): ChunkInvocation {
  return { mode: 'chunk', context: 'context.json', shard: { key: 'shard.json', start: 0, count: ITEMS }, recordsStart, concurrency: 32, failFast: false, itemTimeoutMs: 60_000, maximumAttempts: 1, nonRetryableErrorTypes: [] };
}

describe('runChunk', () => {
  it('runs 32 items at a time without adding a listener per item to the activity signal', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const env = new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 });
      const result = await env.run(runChunk, waitingKind([]), chunk(0), store);
      expect(result).toMatchObject({ succeeded: ITEMS, failed: 0 });
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('aborts every running item when the activity is cancelled, and ends as cancelled', async () => {
    const aborted: unknown[] = [];
    const env = new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 });
    setTimeout(() => env.cancel(), 30);
    await expect(env.run(runChunk, waitingKind(aborted), chunk(1), store)).rejects.toBeInstanceOf(CancelledFailure);
    // The 32 items in flight when it was cancelled each saw their signal abort with the cancellation.
    expect(aborted).toHaveLength(32);
    expect(aborted.every((reason) => reason instanceof CancelledFailure)).toBe(true);
  });

  describe('chunks of one step in one worker', () => {
    /** Items 0-49 take 5 ms, 50-99 take 40 ms; notes the activity each item ran in and how many ran at once in each. */
    function unevenKind(ranIn: Map<number, string>, mostAtOnce: Map<string, number>): StepKind {
      const now = new Map<string, number>();
      return {
        spec: { name: 'test.uneven', description: 'waits by item', queue: 'cpu', version: '1', input: { type: 'object', properties: { item: { type: 'integer' } } }, output: { type: 'object' } },
        run: async (input) => {
          const item = (input as { item: number }).item;
          const activity = Context.current().info.activityId;
          ranIn.set(item, activity);
          now.set(activity, (now.get(activity) ?? 0) + 1);
          mostAtOnce.set(activity, Math.max(mostAtOnce.get(activity) ?? 0, now.get(activity)!));
          await new Promise((r) => setTimeout(r, item < 50 ? 5 : 40));
          now.set(activity, now.get(activity)! - 1);
          return {};
        },
      };
    }

    async function runTwoChunks(runId: string, lendRunners: boolean) {
      await writeJson(store, `${runId}/context.json`, { run: { runId, planHash: 'plan' }, step: { stepId: 'uneven', uses: 'test.uneven', kindVersion: '1', with: { item: '${{ item }}' }, cache: false, maximumAttempts: 1 }, scope: {} });
      const ranIn = new Map<number, string>();
      const mostAtOnce = new Map<string, number>();
      const kind = unevenKind(ranIn, mostAtOnce);
      const unit = (start: number): ChunkInvocation => ({ mode: 'chunk', context: `${runId}/context.json`, shard: { key: 'shard.json', start, count: 50 }, recordsStart: start, concurrency: 8, failFast: false, itemTimeoutMs: 60_000, maximumAttempts: 1, nonRetryableErrorTypes: [] });
      const [fast, slow] = await Promise.all(
        [0, 50].map((start) => new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000, activityId: `chunk-${start}` }).run(runChunk, kind, unit(start), store, undefined, lendRunners)),
      );
      return { fast, slow, ranIn, mostAtOnce };
    }

    it("lend each other idle runners: the slow chunk's items also run on the fast chunk's runners, as the slow chunk's own", async () => {
      const { fast, slow, ranIn, mostAtOnce } = await runTwoChunks('lend', true);
      expect(fast).toMatchObject({ succeeded: 50, failed: 0 });
      expect(slow).toMatchObject({ succeeded: 50, failed: 0 });
      // More than its 8 at once: the fast chunk's runners, done with their own items, took some.
      expect(mostAtOnce.get('chunk-50')).toBeGreaterThan(8);
      // Yet every item ran in the activity of the chunk it belongs to, which recorded it once.
      for (let i = 0; i < 100; i++) expect(ranIn.get(i)).toBe(i < 50 ? 'chunk-0' : 'chunk-50');
      const recorded: number[] = [];
      for await (const key of store.list(runKeys.chunkRecords('lend', 'uneven', 50, 50))) recorded.push(...(await readJson<ChunkRecordFile>(store, key)).records.map((r) => r.index));
      expect(recorded.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
    });

    it("a lent item that the chunk cannot record fails that chunk, not the one whose runner ran it", async () => {
      const runId = 'record-fails';
      await writeJson(store, `${runId}/context.json`, { run: { runId, planHash: 'plan' }, step: { stepId: 'uneven', uses: 'test.big', kindVersion: '1', with: { item: '${{ item }}' }, cache: false, maximumAttempts: 1 }, scope: {} });
      // Items 50-99 fail for good with 60 KB messages, so their chunk writes its records every ~17
      // items (in the runner that recorded the failure), and here it cannot.
      const kind: StepKind = {
        spec: { name: 'test.big', description: 'big failures', queue: 'cpu', version: '1', input: { type: 'object', properties: { item: { type: 'integer' } } }, output: { type: 'object' } },
        run: async (input) => {
          const item = (input as { item: number }).item;
          await new Promise((r) => setTimeout(r, item < 50 ? 1 : 30));
          if (item >= 50) throw new PermanentError('x'.repeat(60_000));
          return {};
        },
      };
      const failing = Object.create(store) as LocalStore;
      failing.put = async (key, body, meta) => {
        if (key.includes('/foreach/records/')) throw new Error('store unavailable');
        return store.put(key, body, meta);
      };
      const unit = (start: number, concurrency: number): ChunkInvocation => ({ mode: 'chunk', context: `${runId}/context.json`, shard: { key: 'shard.json', start, count: 50 }, recordsStart: start, concurrency, failFast: false, itemTimeoutMs: 60_000, maximumAttempts: 1, nonRetryableErrorTypes: [] });
      // The slow chunk runs one at a time itself: most of its items, and the writes they trigger, are on the lender's runners.
      const [fast, slow] = await Promise.allSettled([
        new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000, activityId: 'chunk-0' }).run(runChunk, kind, unit(0, 8), store),
        new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000, activityId: 'chunk-50' }).run(runChunk, kind, unit(50, 1), failing),
      ]);
      expect(fast).toMatchObject({ status: 'fulfilled', value: { succeeded: 50, failed: 0 } });
      expect(slow).toMatchObject({ status: 'rejected', reason: { message: 'store unavailable' } });
    });

    it('keep to their own items when lending is off', async () => {
      const { slow, mostAtOnce } = await runTwoChunks('alone', false);
      expect(slow).toMatchObject({ succeeded: 50, failed: 0 });
      expect(mostAtOnce.get('chunk-50')).toBe(8);
    });
  });
});
