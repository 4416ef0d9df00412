/** A chunk activity's items and the activity's cancellation, in a mock activity context (no Temporal server). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepKind } from '../../activities/define.js';
import type { ChunkInvocation } from '../../activities/runtime/invocation.js';
import { runChunk } from '../../activities/runtime/run-chunk.js';
import { writeJson } from '../../store/json.js';
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
    setTimeout(() => env.cancel('stop'), 30);
    await expect(env.run(runChunk, waitingKind(aborted), chunk(1), store)).rejects.toBeInstanceOf(CancelledFailure);
    // The 32 items in flight when it was cancelled each saw their signal abort with the cancellation.
    expect(aborted).toHaveLength(32);
    expect(aborted.every((reason) => reason instanceof CancelledFailure)).toBe(true);
  });
});
