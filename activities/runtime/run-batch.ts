/**
 * Runs a batch of a forEach step's items in one activity, `window` at a time (a sliding window,
 * so a slow item holds one slot, not a wave). Each finished item (succeeded, or failed for
 * good) is written to the store within a few seconds, so a retried or resumed batch runs only the
 * items still owed. Items that failed transiently make the batch fail retryably once the others
 * are done, so Temporal's retry policy (backoff, the server's retry-after) still decides when
 * they run again; on the last attempt they are recorded as failed instead.
 *
 * A batch runs thousands of trivial items as readily as a few slow ones, so an item's way through
 * is callbacks on its call's promise (no async frame, timer or promise of its own): its runner
 * starts the next item when it ends, and one sweep per batch ends the items over their time.
 */
import { AsyncResource } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Scope } from '../../core/expressions.js';
import type { ArtifactStore } from '../../store/types.js';
import type { StepKind } from '../../engine/kind.js';
import { addUsageTo, spentAnything, zeroUsage } from '../../engine/usage.js';
import { lendRunner, offerBatch, type LendableBatch } from './batch-lending.js';
import { cancellationOf } from './failure.js';
import { failedOutcome, succeededOutcome } from './item-outcome.js';
import type { BatchHeartbeat, BatchInvocation, BatchProgress, ForEachContext, ItemRecord, StepResult } from '../../engine/invocation.js';
import { ITEM_OVER, RunningItem, itemTimedOut, type ItemBatch } from './running-item.js';
import type { BatchResult } from '../../engine/fanout.js';
import { ItemSlots } from './item-slots.js';
import { runKeys } from './keys.js';
import { readShared, resolveInputs, runKind, type KindCall } from './kind-call.js';
import { RecordBook } from './record-book.js';
import { ItemCounts } from '../telemetry/metrics.js';

/**
 * Handed-over work (memo and step-cache writes) runs this many jobs at a time in a worker: a
 * write is several file operations on libuv's thread pool, and dozens of them at once would queue
 * the next items' reads (on their critical path) behind them.
 */
const HANDED_OVER_AT_ONCE = 4;
const handedOverWork = new ItemSlots({ concurrency: HANDED_OVER_AT_ONCE });

/** How often a batch looks for items over their time: a tenth of the time, within 10 ms and 1 s. */
function sweepMs(itemTimeoutMs: number): number {
  return Math.max(10, Math.min(1_000, itemTimeoutMs / 10));
}

/** `lendRunners: false` keeps each batch's runners to its own items (see batch-lending.ts). */
export async function runBatch(kind: StepKind, inv: BatchInvocation, store: ArtifactStore, slots?: ItemSlots, lendRunners = true): Promise<BatchResult> {
  const activity = Context.current();
  const { attempt } = activity.info;
  const cancelled = activity.cancellationSignal;
  const context = typeof inv.context === 'string' ? await readShared<ForEachContext>(store, inv.context) : inv.context;
  const { run, step } = context;
  const { start, count: size } = inv.batch;
  const stored = inv.items ? { start, items: inv.items } : await readShared<{ start: number; items: unknown[] }>(store, runKeys.batchItems(run.runId, step.stepId, start));
  const book = await RecordBook.open(store, { runId: run.runId, stepId: step.stepId, start, attempt });
  const { result } = book;
  const counts = new ItemCounts(step.uses);
  const owed = book.owed(size);
  const owedCount = owed ? owed.length : size;
  /** Records a finished item; its usage went into the batch's total when the call returned. Returns the write, when one is due. */
  const finish = (rec: ItemRecord, line: string, usage: StepResult['usage']): Promise<void> | undefined => {
    counts.add(rec.status === 'succeeded' ? 'succeeded' : 'failed');
    return book.add(rec, line, usage);
  };

  /** Items running now: cancellation stops them, the sweep ends those over their time. */
  const running = new Set<RunningItem>();
  const itemDetails: Record<string, unknown> = {};
  const previous = activity.info.heartbeatDetails as BatchHeartbeat | undefined;
  const beat = (): void => {
    const progress: BatchProgress = { succeeded: result.succeeded, failed: result.failed, cached: result.cached, inFlight: running.size, usage: { ...result.usage } };
    activity.heartbeat({ progress, items: itemDetails } satisfies BatchHeartbeat);
    counts.flush();
  };
  // Often enough for a live progress view (the worker throttles what reaches the server).
  const heartbeatMs = Math.max(200, Math.min((activity.info.heartbeatTimeoutMs ?? 30_000) / 3, 1_000));
  const ticker = setInterval(beat, heartbeatMs);
  ticker.unref();
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const item of running) if (item.startedAt !== undefined && now - item.startedAt >= inv.itemTimeoutMs) failedItem(item, itemTimedOut(inv.itemTimeoutMs));
  }, sweepMs(inv.itemTimeoutMs));
  sweep.unref();
  // One listener for all running items (one each would pass Node's limit of 10 per signal).
  let whenCancelled!: () => void;
  const cancelledNow = new Promise<void>((resolve) => (whenCancelled = resolve));
  const stopItems = (): void => {
    for (const item of running) item.abort(cancelled.reason);
    whenCancelled();
  };
  cancelled.addEventListener('abort', stopItems, { once: true });

  const itemBatch: ItemBatch = {
    cancelled,
    heartbeat: (index, details) => {
      itemDetails[index] = details;
      beat();
    },
    lastHeartbeat: (index) => previous?.items?.[index],
    // Settles to the error instead of rejecting, so nothing is left unhandled meanwhile.
    handOver: (work) => handedOverWork.run(work).then(() => undefined, (err: unknown) => err ?? new Error('failed')),
    leftOver: (work) => settle(work.then(() => undefined)),
  };

  // Records of earlier runs of this batch carry their cost, already counted by the run.
  const budgetLeft = (): number | undefined => (inv.budgetRemainingUsd === undefined ? undefined : inv.budgetRemainingUsd - (result.usage.costUsd - (inv.budgetSpentBeforeUsd ?? 0)));

  const retryLater: { index: number; failure: ApplicationFailure; delayMs?: number }[] = [];
  let stop = inv.failFast && result.failed > 0;
  let next = 0;
  /** Records a failed item (or leaves it to the next attempt); returns the write, when one is due. */
  const failed = (index: number, err: unknown): Promise<void> | undefined => {
    if (cancelled.aborted) return undefined;
    const outcome = failedOutcome(index, err, step, inv, attempt);
    if (outcome.to === 'drop') return undefined;
    if (outcome.to === 'retry') {
      retryLater.push({ index, failure: outcome.failure, ...(outcome.delayMs !== undefined ? { delayMs: outcome.delayMs } : {}) });
      counts.add('retried');
      return undefined;
    }
    if (inv.failFast) stop = true;
    return finish(outcome.rec, outcome.line, undefined);
  };
  const succeeded = (index: number, r: StepResult): Promise<void> | undefined => {
    const outcome = succeededOutcome(index, r);
    return outcome.to === 'fail' ? failed(index, outcome.err) : finish(outcome.rec, outcome.line, r.usage);
  };
  // Records being written, and items whose handed-over work (a memo write) is not done yet.
  const settling = new Set<Promise<void>>();
  let recordError: unknown;
  const settle = (pending: Promise<void> | undefined): void => {
    if (!pending) return;
    const settled: Promise<void> = pending
      .catch((err: unknown) => {
        recordError ??= err;
      })
      .finally(() => settling.delete(settled));
    settling.add(settled);
  };
  /** Ends an item once (its call, its time limit and cancellation may each try). */
  const end = (item: RunningItem): boolean => {
    if (item.over) return false;
    item.over = true;
    running.delete(item);
    item.abort(ITEM_OVER);
    if (item.beat) delete itemDetails[item.index];
    return true;
  };
  const succeededItem = (item: RunningItem, r: StepResult): void => {
    if (!end(item)) return;
    // Spent as soon as the answer is in: the budget check of the next item must see it.
    if (r.usage) addUsageTo(result.usage, r.usage);
    const { index, handedOver } = item;
    try {
      // Nothing handed over: recorded now (most items); else once the handed-over work is done.
      if (!handedOver) settle(succeeded(index, r));
      else settle(Promise.all(handedOver).then((errors) => errors.find((e) => e !== undefined)).then((err) => (err !== undefined ? failed(index, err) : succeeded(index, r))));
    } catch (err) {
      recordError ??= err;
    }
    item.then();
  };
  const failedItem = (item: RunningItem, err: unknown): void => {
    if (!end(item)) return;
    try {
      // Paid for, even if unusable: counted now, and written with the records so a retry counts it too.
      if (spentAnything(item.spent)) book.addUsage(item.spent);
      if (item.handedOver) itemBatch.leftOver(Promise.all(item.handedOver));
      settle(failed(item.index, err));
    } catch (failure) {
      recordError ??= failure;
    }
    item.then();
  };
  /** Calls the kind on an item: its outcome ends the item, unless the sweep or cancellation did. */
  const call = (item: RunningItem): void => {
    item.startedAt = performance.now();
    running.add(item);
    let settled: Promise<StepResult>;
    try {
      // Assignments, not `{ ...scope, item, index }` or conditional spreads: V8's slow path (~1 us a time).
      const scope: Scope = Object.assign({}, context.scope);
      scope.item = stored.items[item.index - stored.start];
      scope.index = item.index;
      // No heartbeatTimeoutMs: the batch's own ticker heartbeats for its items.
      const options: KindCall = { store, runId: run.runId, itemIndex: item.index, spentOnFailure: item.spent, item };
      const left = budgetLeft();
      if (left !== undefined) options.budget = left;
      settled = runKind(kind, step, resolveInputs(step, scope, item.index), options);
    } catch (err) {
      settled = Promise.reject(err);
    }
    settled.then(
      (r) => succeededItem(item, r),
      (err: unknown) => failedItem(item, err),
    );
  };
  /** Starts the item at `index`; `then` runs once it is over. With a worker's item slots, it waits for one. */
  const startItem = (index: number, then: () => void): void => {
    counts.add('started');
    const item = new RunningItem(index, itemBatch, then);
    if (!slots) return call(item);
    slots
      .run(
        () =>
          new Promise<void>((slotFree) => {
            item.then = () => {
              slotFree();
              then();
            };
            call(item);
          }),
        cancelled,
      )
      .catch((err: unknown) => failedItem(item, err));
  };
  /** The next item owed that may start now. */
  const takeNext = (): number | undefined => {
    if (stop || cancelled.aborted || next >= owedCount) return undefined;
    const left = budgetLeft();
    if (left !== undefined && left <= 0) {
      result.budgetExhausted = true;
      stop = true;
      return undefined;
    }
    return owed ? owed[next++] : start + next++;
  };
  // Items of this batch that runners of the step's other batches in this worker run (in this
  // activity's context, so they are this batch's items in every way).
  const stepKey = `${run.runId}\n${step.stepId}`;
  const lentItems = new Set<Promise<void>>();
  const runItemHere = AsyncResource.bind((index: number) => new Promise<void>((resolve) => startItem(index, resolve)));
  const lendable: LendableBatch = {
    unstarted: () => (stop || cancelled.aborted ? 0 : owedCount - next),
    runNext: async () => {
      const index = takeNext();
      if (index === undefined) return false;
      const lent = runItemHere(index);
      lentItems.add(lent);
      await lent.finally(() => lentItems.delete(lent));
      return true;
    },
  };
  const withdraw = lendRunners ? offerBatch(stepKey, lendable) : () => undefined;
  // A runner lends itself out once its batch's items have all started, at most this batch's own
  // count of items in all (its activity's timeout allows for that many).
  let lent = 0;
  const mayLend = (): boolean => lendRunners && !stop && !cancelled.aborted && lent++ < size;
  /** One of the window's runners: starts the next item owed each time its last one ends. */
  const runner = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const runNext = (): void => {
        try {
          const index = takeNext();
          if (index === undefined) resolve();
          else startItem(index, runNext);
        } catch (err) {
          recordError ??= err;
          resolve();
        }
      };
      runNext();
    }).then(() => lendRunner(stepKey, lendable, mayLend, cancelledNow));

  try {
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(inv.window, owedCount)) }, runner));
    } finally {
      // Every item has started (or a runner failed): none more for lenders; wait for theirs.
      stop = true;
      withdraw();
      while (lentItems.size > 0) await Promise.all(lentItems);
    }
    await Promise.all(settling);
    // A record that could not be written: fail the attempt (the retry runs the unrecorded items).
    if (recordError !== undefined) throw recordError;
    await book.write();
  } finally {
    clearInterval(ticker);
    clearInterval(sweep);
    cancelled.removeEventListener('abort', stopItems);
    counts.flush();
  }
  if (cancelled.aborted) throw cancellationOf(cancelled);
  if (retryLater.length > 0) {
    const first = retryLater[0]!;
    const delays = retryLater.map((r) => r.delayMs).filter((d): d is number => d !== undefined);
    throw ApplicationFailure.create({
      type: first.failure.type ?? 'Error',
      message: `${retryLater.length} of ${size} items of this batch failed for now and run again on the next attempt (attempt ${attempt}${inv.maximumAttempts > 0 ? ` of ${inv.maximumAttempts}` : ''}); first: ${first.failure.message}`,
      nonRetryable: false,
      ...(delays.length > 0 ? { nextRetryDelay: Math.max(...delays) } : {}),
    });
  }
  return result;
}
