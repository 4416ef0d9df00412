/**
 * Runs one batch of a forEach step's items as an activity of the step's kind
 * (activities/runtime/run-batch.ts): one activity for up to MAX_BATCH_SIZE items, so a fan-out is
 * not bound by the server's activity rate and the run's history grows by a few events per batch,
 * not per item.
 */
import * as wf from '@temporalio/workflow';
import { batchActivityId, type BatchRef, type BatchResult } from '../engine/fanout.js';
import type { ActivityPlanOptions, ForEachContext, StepInvocation, StepResult } from '../engine/invocation.js';
import { toTemporalOptions } from './activity-options.js';
import { zeroUsage } from '../engine/usage.js';
import { describeFailure } from '../engine/failure.js';

/**
 * A batch's own time limits: its items' timeouts back to back bound it; a heartbeat (sent by the
 * batch every second) notices a dead worker long before that.
 */
export function batchActivityOptions(item: ActivityPlanOptions, batch: BatchRef): ActivityPlanOptions {
  return {
    ...item,
    startToCloseTimeoutMs: item.startToCloseTimeoutMs * batch.count + 10 * 60_000,
    heartbeatTimeoutMs: item.heartbeatTimeoutMs ?? Math.min(60_000, Math.max(10_000, item.startToCloseTimeoutMs)),
  };
}

export interface BatchCall {
  stepId: string;
  uses: string;
  context: string | ForEachContext;
  batch: BatchRef;
  /** The batch's items, when the expansion carries them (a small fan-out). */
  items?: unknown[];
  window: number;
  failFast: boolean;
  activity: ActivityPlanOptions;
  budgetRemainingUsd?: number;
  budgetSpentBeforeUsd?: number;
}

/** Runs the batch; a batch out of attempts reports its items as failed (the step's results say which). */
export function runBatchActivity(call: BatchCall): Promise<BatchResult> {
  const { batch, activity } = call;
  const options = { ...toTemporalOptions(batchActivityOptions(activity, batch)), activityId: batchActivityId(call.stepId, batch) };
  const runBatch = wf.proxyActivities<Record<string, (inv: StepInvocation) => Promise<StepResult>>>(options)[call.uses]!;
  // Out of attempts for a reason of its own (a worker lost each time): the items it did not
  // record count as failed.
  const failed = (err: unknown): BatchResult => {
    const last = batch.start + batch.count - 1;
    return { succeeded: 0, failed: batch.count, cached: 0, usage: zeroUsage(), failures: [{ index: batch.start, message: `items ${batch.start}-${last}: ${describeFailure(err)}` }], budgetExhausted: false };
  };
  // Callbacks, not an async function: each promise made in workflow code costs the SDK a stack trace.
  return runBatch({
    mode: 'batch',
    context: call.context,
    batch,
    ...(call.items ? { items: call.items } : {}),
    window: call.window,
    failFast: call.failFast,
    itemTimeoutMs: activity.startToCloseTimeoutMs,
    maximumAttempts: activity.retry.maximumAttempts,
    nonRetryableErrorTypes: activity.retry.nonRetryableErrorTypes,
    ...(call.budgetRemainingUsd !== undefined ? { budgetRemainingUsd: call.budgetRemainingUsd, budgetSpentBeforeUsd: call.budgetSpentBeforeUsd ?? 0 } : {}),
  }).then(
    (r) => r.batch ?? failed(wf.ApplicationFailure.nonRetryable(`${call.uses} returned no batch result: the worker runs an older Repairity; upgrade it`, 'WorkerTooOld')),
    (err: unknown) => {
      if (wf.isCancellation(err)) throw err;
      return failed(err);
    },
  );
}
