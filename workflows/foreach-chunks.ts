/**
 * Runs one unit of a forEach step's items as a chunk activity (activities/runtime/run-chunk.ts):
 * one activity for up to a shard of items, so a fan-out is not bound by the server's activity
 * rate and the run's history grows by a few events per unit, not per item.
 */
import * as wf from '@temporalio/workflow';
import type { ActivityPlanOptions, ShardRef, ShardResult, StepInvocation, StepResult } from '../engine/invocation.js';
import { toTemporalOptions } from './activity-options.js';
import { zeroUsage } from '../engine/usage.js';

/** Marks runs whose forEach items run in chunk activities; older runs ran shard child workflows. */
export const CHUNKS_PATCH = 'foreach-chunks';

/**
 * A chunk's own time limits: its items' timeouts back to back bound it; a heartbeat (sent by the
 * chunk every second) notices a dead worker long before that.
 */
export function chunkActivityOptions(item: ActivityPlanOptions, ref: ShardRef): ActivityPlanOptions {
  return {
    ...item,
    startToCloseTimeoutMs: item.startToCloseTimeoutMs * ref.count + 10 * 60_000,
    heartbeatTimeoutMs: item.heartbeatTimeoutMs ?? Math.min(60_000, Math.max(10_000, item.startToCloseTimeoutMs)),
  };
}

/** The activity id of a step's chunk: the CLI finds a step's running chunks (and their heartbeats) by it. */
export function chunkActivityId(stepId: string, unit: ShardRef): string {
  return `${stepId}/chunk-${unit.start}`;
}

export interface ChunkCall {
  stepId: string;
  uses: string;
  context: string;
  unit: ShardRef;
  concurrency: number;
  failFast: boolean;
  activity: ActivityPlanOptions;
  budgetRemainingUsd?: number;
  budgetSpentBeforeUsd?: number;
}

export async function runChunkActivity(call: ChunkCall): Promise<ShardResult> {
  const { unit, activity } = call;
  const options = { ...toTemporalOptions(chunkActivityOptions(activity, unit)), activityId: chunkActivityId(call.stepId, unit) };
  const runChunk = wf.proxyActivities<Record<string, (inv: StepInvocation) => Promise<StepResult>>>(options)[call.uses]!;
  try {
    const { chunk } = await runChunk({
      mode: 'chunk',
      context: call.context,
      shard: unit,
      recordsStart: unit.start,
      concurrency: call.concurrency,
      failFast: call.failFast,
      itemTimeoutMs: activity.startToCloseTimeoutMs,
      maximumAttempts: activity.retry.maximumAttempts,
      nonRetryableErrorTypes: activity.retry.nonRetryableErrorTypes,
      ...(call.budgetRemainingUsd !== undefined ? { budgetRemainingUsd: call.budgetRemainingUsd, budgetSpentBeforeUsd: call.budgetSpentBeforeUsd ?? 0 } : {}),
    });
    if (!chunk) throw wf.ApplicationFailure.nonRetryable(`${call.uses} returned no chunk result: the worker runs an older Repairity; upgrade it`, 'WorkerTooOld');
    return chunk;
  } catch (err) {
    if (wf.isCancellation(err)) throw err;
    // Out of attempts for a reason of its own (a worker lost each time): the items it did not
    // record count as failed; the step's results say exactly which.
    const cause = err instanceof wf.ActivityFailure && err.cause ? err.cause : err;
    const message = cause instanceof Error ? cause.message : String(cause);
    return { succeeded: 0, failed: unit.count, cached: 0, usage: zeroUsage(), failures: [{ index: unit.start, message: `items ${unit.start}-${unit.start + unit.count - 1}: ${message}` }], budgetExhausted: false };
  }
}
