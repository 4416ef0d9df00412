/**
 * An activity step with `forEach`: its items are cut into batches (expandForEach: in the store, or
 * sent with the batches when they are few),
 * the batches run as activities, a few at once (engine/fanout.ts), and their records are gathered
 * into the step's results (collectForEach).
 */
import { BUDGET_EXCEEDED } from '../engine/failure.js';
import { batchWindow, batchesAtOnce, type BatchRef, type BatchResult } from '../engine/fanout.js';
import type { ForEachExpansion } from '../engine/invocation.js';
import type { ActivityStep } from '../engine/plan.js';
import type { StepProgress } from '../engine/progress.js';
import { usageSince, zeroUsage } from '../engine/usage.js';
import { planActivityOptions } from './activity-options.js';
import { runBatchActivity } from './batch-activity.js';
import { waitingForBudget } from './run-budgets.js';
import { account, runtimeOf, scopeFor, stepFailed, type Run } from './run.js';

/** What a batch that could not start for want of budget reports. */
function budgetSpentResult(): BatchResult {
  return { succeeded: 0, failed: 0, cached: 0, usage: zeroUsage(), failures: [], budgetExhausted: true };
}

type ForEachStep = ActivityStep & { forEach: NonNullable<ActivityStep['forEach']> };

function expand(run: Run, step: ForEachStep): Promise<ForEachExpansion & { cacheKey?: string }> {
  return run.engine['repairity.expandForEach']({ run: run.id, step: runtimeOf(run, step), items: step.forEach.items, scope: scopeFor(run, step), concurrency: step.forEach.concurrency });
}

export async function runForEachStep(run: Run, step: ForEachStep, p: StepProgress): Promise<void> {
  const expansion = await expand(run, step);
  const items = (p.items = { total: expansion.count, succeeded: 0, failed: 0, cached: 0 });
  if (expansion.cachedOutputs) {
    run.outputs.set(step.id, expansion.cachedOutputs);
    items.succeeded = items.cached = expansion.count;
    p.state = 'cached';
    return;
  }
  const options = planActivityOptions(step, run.info.taskQueue);
  const failures: { index: number; message: string }[] = [];
  let budgetExhausted = false;
  // Several batches at once: their tails overlap, and a high concurrency spreads over workers;
  // their windows add up to the step's concurrency.
  const { concurrency } = step.forEach;
  const atOnce = Math.min(batchesAtOnce(concurrency), expansion.batches.length);
  const group = run.budgets.group(step.id);
  group?.forget(batchesAtOnce(concurrency) - atOnce);
  let next = 0;
  let stop = false;
  const add = (r: BatchResult, before?: BatchResult): void => {
    items.succeeded += r.succeeded - (before?.succeeded ?? 0);
    items.failed += r.failed - (before?.failed ?? 0);
    items.cached += r.cached - (before?.cached ?? 0);
    account(run, p, before ? usageSince(r.usage, before.usage) : r.usage);
  };
  /**
   * One batch. With a budget, a batch gets a share of what no running batch may still spend (the
   * batches spend at once, and the run learns a batch's spending when it ends); a batch that spent
   * its share while budget remains runs again with a new share, picking up where it stopped (its
   * finished items are in the store).
   */
  const runBatch = async (k: number, window: number): Promise<BatchResult> => {
    const batch = expansion.batches[k]!;
    const items = expansion.items?.[k];
    let last: BatchResult | undefined;
    for (;;) {
      const share = group ? await group.take(waitingForBudget(p)) : undefined;
      if (share !== undefined && share <= 0) return last ?? budgetSpentResult();
      let r: BatchResult;
      try {
        r = await runBatchActivity({ stepId: step.id, uses: step.uses, context: expansion.context, batch, ...(items ? { items } : {}), window, failFast: !step.continueOnError, activity: options, ...(share !== undefined ? { budgetRemainingUsd: share, budgetSpentBeforeUsd: last?.usage.costUsd ?? 0 } : {}) });
      } catch (err) {
        group?.giveBack(share ?? 0, true);
        throw err;
      }
      add(r, last);
      // The runner asks again for its next batch (or this one's rest); it stops asking when it ends.
      group?.giveBack(share ?? 0, true);
      const progressed = !last || r.succeeded + r.failed > last.succeeded + last.failed;
      last = r;
      if (!r.budgetExhausted || !progressed || share === undefined || stop) return r;
    }
  };
  const runner = async (slot: number): Promise<void> => {
    const window = batchWindow(concurrency, batchesAtOnce(concurrency), slot);
    while (!stop && next < expansion.batches.length) {
      const r = await runBatch(next++, window);
      failures.push(...r.failures);
      if (r.budgetExhausted) budgetExhausted = true;
      if (budgetExhausted || (r.failed > 0 && !step.continueOnError)) stop = true;
    }
    group?.forget(1);
  };
  await Promise.all(Array.from({ length: atOnce }, (_, slot) => runner(slot)));
  const collected = await run.engine['repairity.collectForEach']({ run: run.id, stepId: step.id, uses: step.uses, count: expansion.count, batches: expansion.batches, ...(expansion.cacheKey ? { cacheKey: expansion.cacheKey } : {}) });
  run.outputs.set(step.id, collected);
  if (budgetExhausted) throw stepFailed(`budget spent after ${items.succeeded} of ${expansion.count} items: no new calls were made; the finished items are kept`, BUDGET_EXCEEDED);
  if (failures.length > 0 || items.failed > 0) {
    const first = failures.map((f) => `item ${f.index}: ${f.message}`).join('; ');
    const msg = `${items.failed} of ${expansion.count} items failed (${first})`;
    if (!step.continueOnError) throw stepFailed(msg);
    p.reason = msg;
  }
}
