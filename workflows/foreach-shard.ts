/**
 * Runs the items of one shard of a forEach step, at most `concurrency` at a time, in a child
 * workflow of its own so that no workflow's history grows with the dataset.
 */
import * as wf from '@temporalio/workflow';
import type { EngineActivities } from '../activities/runtime/engine-activities.js';
import type { ActivityPlanOptions, ItemRecord, ShardInput, ShardRef, ShardResult, StepInvocation, StepResult } from '../activities/runtime/invocation.js';
import { toTemporalOptions } from './activity-options.js';
import { addUsageTo, type ShardProgress, zeroUsage } from './progress.js';

export const shardProgressQuery = wf.defineQuery<ShardProgress>('progress');

const MAX_REPORTED_FAILURES = 5;
/** Item records are written to the store in batches of about this many bytes of JSON. */
const RECORD_BATCH_BYTES = 1 << 20;

function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof wf.ActivityFailure && err.cause ? err.cause : err;
  const type = cause instanceof wf.ApplicationFailure ? (cause.type ?? 'Error') : cause instanceof Error ? cause.name : 'Error';
  return { type, message: cause instanceof Error ? cause.message : String(cause) };
}

/** Marks histories whose items run in chunks (one activity per unit); older ones ran an activity per item. */
export const CHUNKS_PATCH = 'foreach-chunks';

/**
 * A chunk's own time limits: its items' timeouts back to back bound it; a heartbeat (sent by the
 * chunk every few seconds) notices a dead worker long before that.
 */
export function chunkActivityOptions(item: ActivityPlanOptions, ref: ShardRef): ActivityPlanOptions {
  return {
    ...item,
    startToCloseTimeoutMs: item.startToCloseTimeoutMs * ref.count + 10 * 60_000,
    heartbeatTimeoutMs: item.heartbeatTimeoutMs ?? Math.min(60_000, Math.max(10_000, item.startToCloseTimeoutMs)),
  };
}

export async function forEachShard(input: ShardInput & { failFast: boolean }): Promise<ShardResult> {
  if (wf.patched(CHUNKS_PATCH)) return runChunks(input);
  return runItemByItem(input);
}

async function runChunks(input: ShardInput & { failFast: boolean }): Promise<ShardResult> {
  const recordsStart = input.shards[0]?.start ?? 0;
  const total = input.shards.reduce((n, s) => n + s.count, 0);
  const result: ShardResult = { succeeded: 0, failed: 0, cached: 0, usage: zeroUsage(), failures: [], budgetExhausted: false };
  let inFlight = 0;
  // Items of the running chunk are counted by its heartbeats, which the CLI reads alongside.
  wf.setHandler(shardProgressQuery, () => ({ stepId: input.stepId, total, succeeded: result.succeeded, failed: result.failed, cached: result.cached, inFlight }));
  for (const ref of input.shards) {
    const left = input.budgetRemainingUsd === undefined ? undefined : input.budgetRemainingUsd - result.usage.costUsd;
    if (left !== undefined && left <= 0) {
      result.budgetExhausted = true;
      break;
    }
    const runChunk = wf.proxyActivities<Record<string, (inv: StepInvocation) => Promise<StepResult>>>(toTemporalOptions(chunkActivityOptions(input.activity, ref)))[input.uses]!;
    inFlight = Math.min(input.concurrency, ref.count);
    try {
      const { chunk } = await runChunk({
        mode: 'chunk',
        context: input.context,
        shard: ref,
        recordsStart,
        concurrency: input.concurrency,
        failFast: input.failFast,
        itemTimeoutMs: input.activity.startToCloseTimeoutMs,
        maximumAttempts: input.activity.retry.maximumAttempts,
        nonRetryableErrorTypes: input.activity.retry.nonRetryableErrorTypes,
        ...(left !== undefined ? { budgetRemainingUsd: left } : {}),
      });
      if (!chunk) throw wf.ApplicationFailure.nonRetryable(`${input.uses} returned no chunk result: the worker runs an older Repairity`, 'WorkerTooOld');
      result.succeeded += chunk.succeeded;
      result.failed += chunk.failed;
      result.cached += chunk.cached;
      addUsageTo(result.usage, chunk.usage);
      result.failures.push(...chunk.failures.slice(0, MAX_REPORTED_FAILURES - result.failures.length));
      if (chunk.budgetExhausted) result.budgetExhausted = true;
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      // Out of attempts for a reason of its own (a worker lost each time): the items it did not
      // record count as failed; the step's results say exactly which.
      result.failed += ref.count;
      if (result.failures.length < MAX_REPORTED_FAILURES) result.failures.push({ index: ref.start, message: `items ${ref.start}-${ref.start + ref.count - 1}: ${failureOf(err).message}` });
    } finally {
      inFlight = 0;
    }
    if (result.budgetExhausted || (input.failFast && result.failed > 0)) break;
  }
  return result;
}

/** Histories from before chunks: one activity per item. Kept so that those runs replay. */
async function runItemByItem(input: ShardInput & { failFast: boolean }): Promise<ShardResult> {
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
