/**
 * An activity step with `forEach`: its items are cut into batches (by the workflow for a small
 * literal list of an uncached step; else by expandForEach: in the store, or sent with the batches
 * when they are few),
 * the batches run as activities, a few at once (engine/fanout.ts), and their records are gathered
 * into the step's results (collectForEach).
 */
import { BUDGET_EXCEEDED } from '../engine/failure.js';
import { batchWindow, batchesAtOnce, batchesOf, fitsInHistory, literalItems, type BatchResult } from '../engine/fanout.js';
import type { ForEachContext, ForEachExpansion } from '../engine/invocation.js';
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

/**
 * The workflow's own cut of a literal list of an uncached step, as expandForEach would cut it, when
 * it fits in history: nothing to resolve, no cache to ask, nothing to write.
 */
function cutHere(run: Run, step: ForEachStep, context: ForEachContext): ForEachExpansion | undefined {
  const literal = run.shortFirstTask && !step.cache ? literalItems(step.forEach.items) : undefined;
  if (!literal) return undefined;
  const { items } = literal;
  const batches = batchesOf(items.length, batchesAtOnce(step.forEach.concurrency));
  if (!fitsInHistory(literal.chars, JSON.stringify(context).length, batches.length)) return undefined;
  return { count: items.length, context, batches, items: batches.map((b) => items.slice(b.start, b.start + b.count)) };
}

function expand(run: Run, step: ForEachStep): ForEachExpansion & { cacheKey?: string } | Promise<ForEachExpansion & { cacheKey?: string }> {
  const context: ForEachContext = { run: run.id, step: runtimeOf(run, step), scope: scopeFor(run, step) };
  return cutHere(run, step, context) ?? run.engine['repairity.expandForEach']({ ...context, items: step.forEach.items, concurrency: step.forEach.concurrency });
}

export async function runForEachStep(run: Run, step: ForEachStep, p: StepProgress): Promise<void> {
  const expanding = expand(run, step);
  const cut = !(expanding instanceof Promise);
  const expansion = cut ? expanding : await expanding;
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
  const callBatch = (k: number, window: number, share?: number, last?: BatchResult): Promise<BatchResult> => {
    const items = expansion.items?.[k];
    return runBatchActivity({ stepId: step.id, uses: step.uses, context: expansion.context, batch: expansion.batches[k]!, ...(items ? { items } : {}), window, failFast: !step.continueOnError, activity: options, ...(share !== undefined ? { budgetRemainingUsd: share, budgetSpentBeforeUsd: last?.usage.costUsd ?? 0 } : {}) });
  };
  /**
   * One batch within the step's budget. A batch gets a share of what no running batch may still
   * spend (the batches spend at once, and the run learns a batch's spending when it ends); a batch
   * that spent its share while budget remains runs again with a new share, picking up where it
   * stopped (its finished items are in the store).
   */
  const runInShares = async (budget: NonNullable<typeof group>, k: number, window: number): Promise<BatchResult> => {
    let last: BatchResult | undefined;
    for (;;) {
      const share = await budget.take(waitingForBudget(p));
      if (share <= 0) return last ?? budgetSpentResult();
      let r: BatchResult;
      try {
        r = await callBatch(k, window, share, last);
      } catch (err) {
        budget.giveBack(share, true);
        throw err;
      }
      add(r, last);
      // The runner asks again for its next batch (or this one's rest); it stops asking when it ends.
      budget.giveBack(share, true);
      const progressed = !last || r.succeeded + r.failed > last.succeeded + last.failed;
      last = r;
      if (!r.budgetExhausted || !progressed || stop) return r;
    }
  };
  /** A batch as runs started before patch short-first-task awaited it, one async frame deeper (their commands replay in that order). */
  const inAsyncFrame = async (k: number, window: number): Promise<BatchResult> => {
    const r = await callBatch(k, window);
    return r;
  };
  const runner = async (slot: number): Promise<void> => {
    const window = batchWindow(concurrency, batchesAtOnce(concurrency), slot);
    while (!stop && next < expansion.batches.length) {
      const k = next++;
      // Without a budget, the batch's own promise (no async frame: see runSteps in pipeline.ts).
      const r = group ? await runInShares(group, k, window) : run.shortFirstTask ? await callBatch(k, window) : await inAsyncFrame(k, window);
      if (!group) add(r);
      failures.push(...r.failures);
      if (r.budgetExhausted) budgetExhausted = true;
      if (budgetExhausted || (r.failed > 0 && !step.continueOnError)) stop = true;
    }
    group?.forget(1);
  };
  await Promise.all(Array.from({ length: atOnce }, (_, slot) => runner(slot)));
  const collected = await run.engine['repairity.collectForEach']({ run: run.id, stepId: step.id, uses: step.uses, count: expansion.count, batches: expansion.batches, ...(expansion.cacheKey ? { cacheKey: expansion.cacheKey } : {}), ...(cut ? { countStarted: true } : {}) });
  run.outputs.set(step.id, collected);
  if (budgetExhausted) throw stepFailed(`budget spent after ${items.succeeded} of ${expansion.count} items: no new calls were made; the finished items are kept`, BUDGET_EXCEEDED);
  if (failures.length > 0 || items.failed > 0) {
    const first = failures.map((f) => `item ${f.index}: ${f.message}`).join('; ');
    const msg = `${items.failed} of ${expansion.count} items failed (${first})`;
    if (!step.continueOnError) throw stepFailed(msg);
    p.reason = msg;
  }
}
