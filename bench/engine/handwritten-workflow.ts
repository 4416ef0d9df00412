/** The baselines: the same fan-out written by hand against Temporal's API, no engine. */
import * as wf from '@temporalio/workflow';
import type { BatchedActivities } from './batched-activities.js';

const { noop } = wf.proxyActivities<{ noop(i: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });

/** The obvious one: an activity per item, `concurrency` at a time. */
export async function handwrittenFanOut(count: number, concurrency: number): Promise<number> {
  let next = 0;
  let sum = 0;
  const runner = async (): Promise<void> => {
    while (next < count) sum += await noop(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, runner));
  return sum;
}

/** Items a batch activity keeps in flight; as many batches run at once as `concurrency` needs. */
const PER_BATCH = 8;
const MAX_BATCH = 500;
const batchOptions = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute' } as const;

/**
 * What an expert writes by hand for the same job: the items cut into contiguous batches, each run
 * by one activity with a sliding window, the batches' windows adding up to `concurrency`; every
 * batch writes its results to a file and returns only counts, and one activity joins the files.
 * `activityQueue`: the task queue of the batch activities; absent, the workflow's own (where
 * Temporal hands them to the workflow's worker eagerly, without a round trip through matching).
 */
export async function handBatchedFanOut(items: number[], concurrency: number, dir: string, activityQueue?: string): Promise<{ results: string; succeeded: number }> {
  const { processBatch } = wf.proxyActivities<BatchedActivities>({ ...batchOptions, ...(activityQueue ? { taskQueue: activityQueue } : {}) });
  const { collectBatches } = wf.proxyActivities<BatchedActivities>(batchOptions);
  const atOnce = Math.max(1, Math.ceil(concurrency / PER_BATCH));
  const size = Math.min(MAX_BATCH, Math.max(1, Math.ceil(items.length / atOnce)));
  const starts = Array.from({ length: Math.ceil(items.length / size) }, (_, i) => i * size);
  let next = 0;
  let succeeded = 0;
  const slot = async (k: number): Promise<void> => {
    const windowSize = Math.floor(concurrency / atOnce) + (k < concurrency % atOnce ? 1 : 0);
    while (next < starts.length) {
      const start = starts[next++]!;
      succeeded += (await processBatch({ dir, start, items: items.slice(start, start + size), concurrency: windowSize })).succeeded;
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, starts.length) }, (_, k) => slot(k)));
  return { results: await collectBatches({ dir, starts }), succeeded };
}
