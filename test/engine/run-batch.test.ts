/** A batch activity's items and the activity's cancellation, in a mock activity context (no Temporal server). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepKind } from '../../engine/kind.js';
import type { BatchInvocation } from '../../engine/invocation.js';
import type { BatchResult } from '../../engine/fanout.js';
import { runKeys } from '../../activities/runtime/keys.js';
import { PermanentError } from '../../core/errors.js';
import { runBatch } from '../../activities/runtime/run-batch.js';
import type { BatchRecordFile } from '../../activities/runtime/foreach.js';
import { readJson, writeJson } from '../../store/json.js';
import { LocalStore } from '../../store/local.js';
import { registry } from '../../activities/telemetry/metrics.js';

const ITEMS = 100;
let dir: string;
let store: LocalStore;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-batch-'));
  store = new LocalStore(dir);
});

/** Writes a step's forEach context and its items, as `expandForEach` does: batches of `size` items starting at `batchStarts`. */
async function expandedStep(runId: string, stepId: string, uses: string, withTemplate: Record<string, string>, batchStarts: number[], size: number): Promise<void> {
  await writeJson(store, `${runId}/context.json`, { run: { runId, planHash: 'plan' }, step: { stepId, uses, kindVersion: '1', with: withTemplate, cache: false, maximumAttempts: 1 }, scope: {} });
  for (const start of batchStarts) await writeJson(store, runKeys.batchItems(runId, stepId, start), { start, items: Array.from({ length: size }, (_, i) => start + i) });
}

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

async function wholeBatch(runId: string): Promise<BatchInvocation> {
  await expandedStep(runId, 'wait', 'test.wait', {}, [0], ITEMS);
  return { mode: 'batch', context: `${runId}/context.json`, batch: { start: 0, count: ITEMS }, window: 32, failFast: false, itemTimeoutMs: 60_000, maximumAttempts: 1, nonRetryableErrorTypes: [] };
}

describe('runBatch', () => {
  it('runs 32 items at a time without adding a listener per item to the activity signal', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const env = new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 });
      const result = await env.run(runBatch, waitingKind([]), await wholeBatch('window'), store);
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
    const batch = await wholeBatch('cancel');
    setTimeout(() => env.cancel(), 30);
    await expect(env.run(runBatch, waitingKind(aborted), batch, store)).rejects.toBeInstanceOf(CancelledFailure);
    // The 32 items in flight when it was cancelled each saw their signal abort with the cancellation.
    expect(aborted).toHaveLength(32);
    expect(aborted.every((reason) => reason instanceof CancelledFailure)).toBe(true);
  });

  describe('batches of one step in one worker', () => {
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

    async function runTwoBatches(runId: string, lendRunners: boolean) {
      await expandedStep(runId, 'uneven', 'test.uneven', { item: '${{ item }}' }, [0, 50], 50);
      const ranIn = new Map<number, string>();
      const mostAtOnce = new Map<string, number>();
      const kind = unevenKind(ranIn, mostAtOnce);
      const batch = (start: number): BatchInvocation => ({ mode: 'batch', context: `${runId}/context.json`, batch: { start, count: 50 }, window: 8, failFast: false, itemTimeoutMs: 60_000, maximumAttempts: 1, nonRetryableErrorTypes: [] });
      const [fast, slow] = await Promise.all(
        [0, 50].map((start) => new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000, activityId: `batch-${start}` }).run(runBatch, kind, batch(start), store, undefined, lendRunners)),
      );
      return { fast, slow, ranIn, mostAtOnce };
    }

    it("lend each other idle runners: the slow batch's items also run on the fast batch's runners, as the slow batch's own", async () => {
      const { fast, slow, ranIn, mostAtOnce } = await runTwoBatches('lend', true);
      expect(fast).toMatchObject({ succeeded: 50, failed: 0 });
      expect(slow).toMatchObject({ succeeded: 50, failed: 0 });
      // More than its 8 at once: the fast batch's runners, done with their own items, took some.
      expect(mostAtOnce.get('batch-50')).toBeGreaterThan(8);
      // Yet every item ran in the activity of the batch it belongs to, which recorded it once.
      for (let i = 0; i < 100; i++) expect(ranIn.get(i)).toBe(i < 50 ? 'batch-0' : 'batch-50');
      const recorded: number[] = [];
      for await (const key of store.list(runKeys.batchRecords('lend', 'uneven', 50))) recorded.push(...(await readJson<BatchRecordFile>(store, key)).records.map((r) => r.index));
      expect(recorded.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
    });

    it("a lent item that the batch cannot record fails that batch, not the one whose runner ran it", async () => {
      const runId = 'record-fails';
      await expandedStep(runId, 'uneven', 'test.big', { item: '${{ item }}' }, [0, 50], 50);
      // Items 50-99 fail for good with 60 KB messages, so their batch writes its records every ~17
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
        if (key.includes('/records/')) throw new Error('store unavailable');
        return store.put(key, body, meta);
      };
      const batch = (start: number, window: number): BatchInvocation => ({ mode: 'batch', context: `${runId}/context.json`, batch: { start, count: 50 }, window, failFast: false, itemTimeoutMs: 60_000, maximumAttempts: 1, nonRetryableErrorTypes: [] });
      // The slow batch runs one at a time itself: most of its items, and the writes they trigger, are on the lender's runners.
      const [fast, slow] = await Promise.allSettled([
        new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000, activityId: 'batch-0' }).run(runBatch, kind, batch(0, 8), store),
        new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000, activityId: 'batch-50' }).run(runBatch, kind, batch(50, 1), failing),
      ]);
      expect(fast).toMatchObject({ status: 'fulfilled', value: { succeeded: 50, failed: 0 } });
      expect(slow).toMatchObject({ status: 'rejected', reason: { message: 'store unavailable' } });
    });

    it('keep to their own items when lending is off', async () => {
      const { slow, mostAtOnce } = await runTwoBatches('alone', false);
      expect(slow).toMatchObject({ succeeded: 50, failed: 0 });
      expect(mostAtOnce.get('batch-50')).toBe(8);
    });
  });

  it("keeps an item's log lines in its log file, runs items read from the store, and gives an item's signal only to a kind that reads it", async () => {
    const runId = 'inline@1';
    const stepId = 'talk';
    const seen: { aborted: boolean }[] = [];
    const kind: StepKind = {
      spec: { name: 'test.talk', description: 'logs odd items', queue: 'cpu', version: '1', input: { type: 'object', properties: { n: { type: 'integer' } } }, output: { type: 'object' } },
      run: async (input, ctx) => {
        const n = (input as { n: number }).n;
        if (n % 2 === 1) {
          ctx.log.info(`item says ${n}`);
          ctx.record?.('stdout', `recorded ${n}`);
          seen.push(ctx.signal);
        }
        return {};
      },
    };
    const context = { run: { runId, planHash: 'plan' }, step: { stepId, uses: 'test.talk', kindVersion: '1', with: { n: '${{ item }}' }, cache: false, maximumAttempts: 1 }, scope: { params: {}, steps: {} } };
    await writeJson(store, `${runId}/context.json`, context);
    await writeJson(store, runKeys.batchItems(runId, stepId, 0), { start: 0, items: [10, 11, 12, 13] });
    const inv: BatchInvocation = { mode: 'batch', context: `${runId}/context.json`, batch: { start: 0, count: 4 }, window: 2, failFast: true, itemTimeoutMs: 60_000, maximumAttempts: 1, nonRetryableErrorTypes: [] };
    const result = await new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 }).run(runBatch, kind, inv, store);
    expect(result).toMatchObject({ succeeded: 4, failed: 0 });
    const log = (await store.read(runKeys.stepLog(runId, stepId, 1, 1))).toString('utf8');
    expect(log).toMatch(/\[info\] item says 11\n.*\[stdout\] recorded 11\n/);
    expect(await store.exists(runKeys.stepLog(runId, stepId, 0, 1))).toBe(false);
    // Read during the call, aborted once the item is over.
    expect(seen.map((s) => s.aborted)).toEqual([true, true]);
  });

  it('ends an item over its time (its signal aborts), fails items whose outputs cannot be records, and counts items in the metrics', async () => {
    const runId = 'limits@1';
    const stepId = 'odd';
    const aborted: unknown[] = [];
    const kind: StepKind = {
      spec: { name: 'test.odd', description: 'hangs, returns too much, or a cycle', queue: 'cpu', version: '1', input: { type: 'object', properties: { n: { type: 'integer' } } }, output: { type: 'object' } },
      run: (input, ctx) => {
        const n = (input as { n: number }).n;
        if (n === 0) return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => (aborted.push(ctx.signal.reason), reject(new Error('stopped')))));
        if (n === 1) return Promise.resolve({ text: 'x'.repeat(70_000) });
        if (n === 2) {
          const cycle: Record<string, unknown> = {};
          cycle.self = cycle;
          return Promise.resolve({ cycle });
        }
        return Promise.resolve({ n });
      },
    };
    const context = { run: { runId, planHash: 'plan' }, step: { stepId, uses: 'test.odd', kindVersion: '1', with: { n: '${{ item }}' }, cache: false, maximumAttempts: 1 }, scope: { params: {}, steps: {} } };
    const before = await itemsCounted('test.odd');
    const started = Date.now();
    const inv: BatchInvocation = { mode: 'batch', context, items: [0, 1, 2, 3], batch: { start: 0, count: 4 }, window: 4, failFast: false, itemTimeoutMs: 150, maximumAttempts: 1, nonRetryableErrorTypes: [] };
    const result: BatchResult = await new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 }).run(runBatch, kind, inv, store);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(result).toMatchObject({ succeeded: 1, failed: 3 });
    const messages = Object.fromEntries(result.failures.map((f) => [f.index, f.message]));
    expect(messages[0]).toMatch(/timed out after 150 ms/);
    expect(messages[1]).toMatch(/outputs are 700\d\d bytes, over the 65536-byte limit for one forEach item/);
    expect(messages[2]).toMatch(/outputs cannot be stored as JSON/);
    expect(aborted).toHaveLength(1);
    const after = await itemsCounted('test.odd');
    expect({ started: after.started - before.started, succeeded: after.succeeded - before.succeeded, failed: after.failed - before.failed }).toEqual({ started: 4, succeeded: 1, failed: 3 });
  });
});

/** The items counters of a step kind, as the worker's metrics endpoint shows them. */
async function itemsCounted(kind: string): Promise<{ started: number; succeeded: number; failed: number }> {
  const metrics = await registry.getMetricsAsJSON();
  const value = (name: string) => metrics.find((m) => m.name === name)?.values.find((v) => v.labels.kind === kind)?.value ?? 0;
  return { started: value('repairity_items_started_total'), succeeded: value('repairity_items_succeeded_total'), failed: value('repairity_items_failed_total') };
}
