/**
 * Runs the items of one shard of a forEach step, one activity per item, at most `concurrency` at
 * a time, in a child workflow of its own. Runs started before chunks (foreach-chunks.ts) used it;
 * it stays so that they still replay and finish. Remove it once none can be running.
 */
import * as wf from '@temporalio/workflow';
import type { EngineActivities } from '../activities/runtime/engine-activities.js';
import type { ItemRecord, ShardInput, ShardResult, StepInvocation, StepResult } from '../engine/invocation.js';
import { toTemporalOptions } from './activity-options.js';
import type { ShardProgress } from '../engine/progress.js';
import { addUsageTo, zeroUsage } from '../engine/usage.js';

export const shardProgressQuery = wf.defineQuery<ShardProgress>('progress');

const MAX_REPORTED_FAILURES = 5;
/** Item records are written to the store in batches of about this many bytes of JSON. */
const RECORD_BATCH_BYTES = 1 << 20;

function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof wf.ActivityFailure && err.cause ? err.cause : err;
  const type = cause instanceof wf.ApplicationFailure ? (cause.type ?? 'Error') : cause instanceof Error ? cause.name : 'Error';
  return { type, message: cause instanceof Error ? cause.message : String(cause) };
}

export async function forEachShard(input: ShardInput & { failFast: boolean }): Promise<ShardResult> {
  const acts = wf.proxyActivities<Record<string, (inv: StepInvocation) => Promise<StepResult>>>(toTemporalOptions(input.activity));
  const runItem = acts[input.uses]!;
  const { 'repairity.writeRecords': writeRecords } = wf.proxyLocalActivities<EngineActivities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 20, maximumInterval: '30 seconds' } });
  const shardStart = input.shards[0]?.start ?? 0;
  let pending: ItemRecord[] = [];
  let pendingBytes = 0;
  let part = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const records = pending.sort((a, b) => a.index - b.index);
    pending = [];
    pendingBytes = 0;
    await writeRecords({ run: input.run, stepId: input.stepId, shardStart, part: part++, records });
  };
  const record = async (rec: ItemRecord): Promise<void> => {
    pending.push(rec);
    pendingBytes += JSON.stringify(rec).length;
    if (pendingBytes >= RECORD_BATCH_BYTES) await flush();
  };
  const total = input.shards.reduce((n, s) => n + s.count, 0);
  const result: ShardResult = { succeeded: 0, failed: 0, cached: 0, usage: zeroUsage(), failures: [], budgetExhausted: false };
  let inFlight = 0;
  wf.setHandler(shardProgressQuery, () => ({ stepId: input.stepId, total, succeeded: result.succeeded, failed: result.failed, cached: result.cached, inFlight }));

  const budgetLeft = (): number | undefined => (input.budgetRemainingUsd === undefined ? undefined : input.budgetRemainingUsd - result.usage.costUsd);
  const work = input.shards.flatMap((s) => Array.from({ length: s.count }, (_, i) => ({ shard: s.key, index: s.start + i })));
  let next = 0;
  let stop = false;

  const worker = async (): Promise<void> => {
    while (!stop && next < work.length) {
      const left = budgetLeft();
      if (left !== undefined && left <= 0) {
        result.budgetExhausted = true;
        stop = true;
        return;
      }
      const item = work[next++]!;
      inFlight++;
      try {
        const r = await runItem({ mode: 'item', context: input.context, shard: item.shard, index: item.index, ...(left !== undefined ? { budgetRemainingUsd: left } : {}) });
        result.succeeded++;
        if (r.cached) result.cached++;
        addUsageTo(result.usage, r.usage);
        inFlight--;
        await record({ index: item.index, status: 'succeeded', outputs: r.outputs, ...(r.cached ? { cached: true } : {}) });
      } catch (err) {
        inFlight--;
        if (wf.isCancellation(err)) throw err;
        const error = failureOf(err);
        result.failed++;
        if (result.failures.length < MAX_REPORTED_FAILURES) result.failures.push({ index: item.index, message: error.message });
        if (input.failFast) stop = true;
        await record({ index: item.index, status: 'failed', error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, work.length)) }, worker));
  await flush();
  return result;
}
