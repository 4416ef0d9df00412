/**
 * Runs the items of one shard of a forEach step, at most `concurrency` at a time, in a child
 * workflow of its own so that no workflow's history grows with the dataset.
 */
import * as wf from '@temporalio/workflow';
import type { EngineActivities } from '../activities/runtime/engine-activities.js';
import type { ShardInput, ShardResult, StepInvocation, StepResult } from '../activities/runtime/invocation.js';
import { toTemporalOptions } from './activity-options.js';
import { addUsageTo, type ShardProgress, zeroUsage } from './progress.js';

export const shardProgressQuery = wf.defineQuery<ShardProgress>('progress');

const MAX_REPORTED_FAILURES = 5;

function failureMessage(err: unknown): string {
  if (err instanceof wf.ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

export async function forEachShard(input: ShardInput & { failFast: boolean }): Promise<ShardResult> {
  const acts = wf.proxyActivities<Record<string, (inv: StepInvocation) => Promise<StepResult>>>(toTemporalOptions(input.activity));
  const runItem = acts[input.uses]!;
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
      } catch (err) {
        if (wf.isCancellation(err)) throw err;
        result.failed++;
        if (result.failures.length < MAX_REPORTED_FAILURES) result.failures.push({ index: item.index, message: failureMessage(err) });
        if (input.failFast) stop = true;
      } finally {
        inFlight--;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, work.length)) }, worker));
  return result;
}
