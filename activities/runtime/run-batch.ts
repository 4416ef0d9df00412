/**
 * Runs a batch of a forEach step's items in one activity, `window` at a time (a sliding window,
 * so a slow item holds one slot, not a wave). Each finished item (succeeded, or failed for
 * good) is written to the store within a few seconds, so a retried or resumed batch runs only the
 * items still owed. Items that failed transiently make the batch fail retryably once the others
 * are done, so Temporal's retry policy (backoff, the server's retry-after) still decides when
 * they run again; on the last attempt they are recorded as failed instead.
 */
import { AsyncResource } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Scope } from '../../core/expressions.js';
import { readJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';
import type { StepKind } from '../../engine/kind.js';
import { addUsageTo, spentAnything, zeroUsage, type Usage } from '../../engine/usage.js';
import { stepContextFromActivity, type ContextOptions } from './context.js';
import { lendRunner, offerBatch, type LendableBatch } from './batch-lending.js';
import { cancellationOf, toActivityFailure } from './failure.js';
import { unwrapFailure } from '../../engine/failure.js';
import type { BatchHeartbeat, BatchInvocation, BatchProgress, ForEachContext, ItemRecord } from '../../engine/invocation.js';
import { ITEM_OVER, ItemStop, retryDelayOf, withinTimeout } from './item-time.js';
import type { BatchResult } from '../../engine/fanout.js';
import type { BatchRecordFile } from './foreach.js';
import { ItemSlots } from './item-slots.js';
import { runKeys } from './keys.js';
import { readShared, resolveInputs, runKind, type KindCall } from './kind-call.js';
import { countItem } from '../telemetry/metrics.js';

const MAX_REPORTED_FAILURES = 5;
/**
 * Handed-over work (memo and step-cache writes) runs this many jobs at a time in a worker: a
 * write is several file operations on libuv's thread pool, and dozens of them at once would queue
 * the next items' reads (on their critical path) behind them.
 */
const HANDED_OVER_AT_ONCE = 4;
const handedOverWork = new ItemSlots({ concurrency: HANDED_OVER_AT_ONCE });
/** Finished items are written when this many bytes of records wait, or this long after the last write. */
const FLUSH_BYTES = 1 << 20;
const FLUSH_MS = 5_000;

/**
 * A finished call; `afterward` settles (to an error, or undefined) once the work it handed over is
 * done, and is absent when it handed over none.
 */
type Outcome = { ok: true; outputs: Record<string, unknown>; usage?: Usage; cached: boolean; afterward?: Promise<unknown> } | { ok: false; err: unknown; spent?: Usage };

/** `lendRunners: false` keeps each batch's runners to its own items (see batch-lending.ts). */
export async function runBatch(kind: StepKind, inv: BatchInvocation, store: ArtifactStore, slots?: ItemSlots, lendRunners = true): Promise<BatchResult> {
  const activity = Context.current();
  const { attempt } = activity.info;
  const cancelled = activity.cancellationSignal;
  const context = typeof inv.context === 'string' ? await readShared<ForEachContext>(store, inv.context) : inv.context;
  const { run, step } = context;
  const { start, count: size } = inv.batch;
  const stored = inv.items ? { start, items: inv.items } : await readShared<{ start: number; items: unknown[] }>(store, runKeys.batchItems(run.runId, step.stepId, start));
  const result: BatchResult = { succeeded: 0, failed: 0, cached: 0, usage: zeroUsage(), failures: [], budgetExhausted: false };
  const count = (rec: ItemRecord): void => {
    if (rec.status === 'succeeded') result.succeeded++;
    else {
      result.failed++;
      if (result.failures.length < MAX_REPORTED_FAILURES) result.failures.push({ index: rec.index, message: rec.error?.message ?? 'failed' });
    }
    if (rec.cached) result.cached++;
  };

  // Items finished by earlier attempts are in the store: never run them again.
  const done = new Set<number>();
  for await (const key of store.list(runKeys.batchRecords(run.runId, step.stepId, start))) {
    const file = await readJson<BatchRecordFile>(store, key);
    addUsageTo(result.usage, file.usage);
    for (const rec of file.records) {
      if (done.has(rec.index)) continue;
      done.add(rec.index);
      count(rec);
    }
  }
  const owed = Array.from({ length: size }, (_, i) => start + i).filter((i) => !done.has(i));

  /** Finished items not yet written, each serialized once (a BatchRecordFile's `records`). */
  let waiting: string[] = [];
  let waitingUsage = zeroUsage();
  let waitingBytes = 0;
  let lastWrite = Date.now();
  let seq = 0;
  const write = async (): Promise<void> => {
    if (waiting.length === 0 && !spentAnything(waitingUsage)) return;
    // The JSON of a BatchRecordFile, from the records serialized as they finished.
    const file = `{"records":[${waiting.join(',')}],"usage":${JSON.stringify(waitingUsage)}}`;
    const key = runKeys.batchRecordFile(run.runId, step.stepId, start, attempt, seq++);
    waiting = [];
    waitingUsage = zeroUsage();
    waitingBytes = 0;
    lastWrite = Date.now();
    await store.put(key, file, { mediaType: 'application/json' }); // no lineage: the key names the run and step
  };
  /** Records a finished item; its usage went into the batch's total when the call returned. Returns the write, when one is due. */
  const finish = (rec: ItemRecord, usage: Usage | undefined): Promise<void> | undefined => {
    count(rec);
    countItem(step.uses, rec.status === 'succeeded' ? 'succeeded' : 'failed');
    if (usage) addUsageTo(waitingUsage, usage);
    const line = JSON.stringify(rec);
    waiting.push(line);
    waitingBytes += line.length;
    return waitingBytes >= FLUSH_BYTES || Date.now() - lastWrite >= FLUSH_MS ? write() : undefined;
  };

  let inFlight = 0;
  const itemDetails: Record<string, unknown> = {};
  const previous = activity.info.heartbeatDetails as BatchHeartbeat | undefined;
  const beat = (): void => {
    const progress: BatchProgress = { succeeded: result.succeeded, failed: result.failed, cached: result.cached, inFlight, usage: { ...result.usage } };
    activity.heartbeat({ progress, items: itemDetails } satisfies BatchHeartbeat);
  };
  // Often enough for a live progress view (the worker throttles what reaches the server).
  const heartbeatMs = Math.max(200, Math.min((activity.info.heartbeatTimeoutMs ?? 30_000) / 3, 1_000));
  const ticker = setInterval(beat, heartbeatMs);
  // One listener for all running items (one each would pass Node's limit of 10 per signal).
  const itemStops = new Set<ItemStop>();
  let whenCancelled!: () => void;
  const cancelledNow = new Promise<void>((resolve) => (whenCancelled = resolve));
  const stopItems = (): void => {
    for (const stop of itemStops) stop.abort(cancelled.reason);
    whenCancelled();
  };
  cancelled.addEventListener('abort', stopItems, { once: true });
  ticker.unref();

  const makeContext = (index: number, handedOver: Promise<unknown>[]) => (opts: ContextOptions) => {
    const made = stepContextFromActivity(opts);
    // A fresh context: the item's own parts are set on it, not copied into another one.
    const { ctx } = made;
    // Settles to the error instead of rejecting, so nothing is left unhandled meanwhile.
    ctx.afterward = (work) => void handedOver.push(handedOverWork.run(work).then(() => undefined, (err: unknown) => err ?? new Error('failed')));
    ctx.heartbeat = (details) => {
      itemDetails[index] = details;
      beat();
    };
    ctx.lastHeartbeat = <T>() => previous?.items?.[index] as T | undefined;
    return made;
  };

  // Records of earlier runs of this batch carry their cost, already counted by the run.
  const budgetLeft = (): number | undefined => (inv.budgetRemainingUsd === undefined ? undefined : inv.budgetRemainingUsd - (result.usage.costUsd - (inv.budgetSpentBeforeUsd ?? 0)));

  const runOne = async (index: number): Promise<Outcome> => {
    // The item's signal: aborted when the activity is cancelled, or when the item is over.
    const itemStop = new ItemStop();
    if (cancelled.aborted) itemStop.abort(cancelled.reason);
    else itemStops.add(itemStop);
    const handedOver: Promise<unknown>[] = [];
    const spent = zeroUsage();
    try {
      // Assignments, not `{ ...scope, item, index }` or conditional spreads: V8's slow path (~1 us a time).
      const scope: Scope = Object.assign({}, context.scope);
      scope.item = stored.items[index - stored.start];
      scope.index = index;
      const input = resolveInputs(step, scope, index);
      const left = budgetLeft();
      // No heartbeatTimeoutMs: the batch's own ticker heartbeats for its items.
      const options: KindCall = { store, runId: run.runId, itemIndex: index, spentOnFailure: spent, makeContext: makeContext(index, handedOver), signal: () => itemStop.signal };
      if (left !== undefined) options.budget = left;
      const r = await withinTimeout(runKind(kind, step, input, options), inv.itemTimeoutMs);
      const outcome: Outcome = { ok: true, outputs: r.outputs, cached: r.cached };
      if (r.usage) outcome.usage = r.usage;
      if (handedOver.length > 0) outcome.afterward = Promise.all(handedOver).then((errors) => errors.find((e) => e !== undefined));
      return outcome;
    } catch (err) {
      return { ok: false, err, spent };
    } finally {
      // Tells a kind still running after its timeout (or reading its signal later) that the item is over.
      itemStops.delete(itemStop);
      itemStop.abort(ITEM_OVER);
      delete itemDetails[index];
    }
  };

  const lastAttempt = inv.maximumAttempts > 0 && attempt >= inv.maximumAttempts;
  const retryLater: { index: number; failure: ApplicationFailure; delayMs?: number }[] = [];
  let stop = inv.failFast && result.failed > 0;
  let next = 0;
  const failed = async (index: number, err: unknown): Promise<void> => {
    if (cancelled.aborted) return;
    const failure = toActivityFailure(err, { stepId: step.stepId, uses: step.uses, itemIndex: index });
    if (failure instanceof CancelledFailure) return;
    const unwrapped = unwrapFailure(failure);
    const type = unwrapped.type ?? (failure instanceof ApplicationFailure ? 'Error' : failure.name);
    const permanent = failure instanceof ApplicationFailure && (unwrapped.nonRetryable || inv.nonRetryableErrorTypes.includes(type));
    if (!permanent && !lastAttempt && failure instanceof ApplicationFailure) {
      const delayMs = retryDelayOf(err);
      retryLater.push({ index, failure, ...(delayMs !== undefined ? { delayMs } : {}) });
      countItem(step.uses, 'retried');
      return;
    }
    const message = permanent || inv.maximumAttempts <= 1 ? failure.message : `${failure.message} (attempt ${attempt} of ${inv.maximumAttempts}, the last)`;
    await finish({ index, status: 'failed', error: { type, message } }, undefined);
    if (inv.failFast) stop = true;
  };
  // Items whose call is done but whose handed-over work (a memo write) is not: recorded when it is.
  const settling = new Set<Promise<void>>();
  let recordError: unknown;
  /** The next item owed that may start now. */
  const takeNext = (): number | undefined => {
    if (stop || cancelled.aborted || next >= owed.length) return undefined;
    const left = budgetLeft();
    if (left !== undefined && left <= 0) {
      result.budgetExhausted = true;
      stop = true;
      return undefined;
    }
    return owed[next++];
  };
  const runItem = async (index: number): Promise<void> => {
    countItem(step.uses, 'started');
    inFlight++;
    const outcome = await (slots ? slots.run(() => runOne(index), cancelled) : runOne(index)).catch((err: unknown): Outcome => ({ ok: false, err }));
    inFlight--;
    if (!outcome.ok) {
      // Paid for, even if unusable: counted now, and written with the records so a retry counts it too.
      if (outcome.spent && spentAnything(outcome.spent)) {
        addUsageTo(result.usage, outcome.spent);
        addUsageTo(waitingUsage, outcome.spent);
      }
      await failed(index, outcome.err);
      return;
    }
    // Spent as soon as the answer is in: the budget check of the next item must see it.
    if (outcome.usage) addUsageTo(result.usage, outcome.usage);
    const rec: ItemRecord = { index, status: 'succeeded', outputs: outcome.outputs };
    if (outcome.cached) rec.cached = true;
    const succeeded = (): Promise<void> | undefined => finish(rec, outcome.usage);
    // Nothing handed over: recorded now (most items); else once the handed-over work is done.
    const pending = outcome.afterward ? outcome.afterward.then((err) => (err !== undefined ? failed(index, err) : succeeded())) : succeeded();
    if (!pending) return;
    const settled: Promise<void> = pending
      .catch((err: unknown) => {
        recordError ??= err;
      })
      .finally(() => settling.delete(settled));
    settling.add(settled);
  };
  // Items of this batch that runners of the step's other batches in this worker run (in this
  // activity's context, so they are this batch's items in every way).
  const stepKey = `${run.runId}\n${step.stepId}`;
  const lentItems = new Set<Promise<void>>();
  const runItemHere = AsyncResource.bind(runItem);
  const lendable: LendableBatch = {
    unstarted: () => (stop || cancelled.aborted ? 0 : owed.length - next),
    runNext: async () => {
      const index = takeNext();
      if (index === undefined) return false;
      // This batch's failure to record it is this batch's, not the lender's: it fails this batch at its end.
      const running = runItemHere(index).catch((err: unknown) => {
        recordError ??= err;
      });
      lentItems.add(running);
      await running.finally(() => lentItems.delete(running));
      return true;
    },
  };
  const withdraw = lendRunners ? offerBatch(stepKey, lendable) : () => undefined;
  // A runner lends itself out once its batch's items have all started, at most this batch's own
  // count of items in all (its activity's timeout allows for that many).
  let lent = 0;
  const mayLend = (): boolean => lendRunners && !stop && !cancelled.aborted && lent++ < size;
  const runner = async (): Promise<void> => {
    for (let index = takeNext(); index !== undefined; index = takeNext()) await runItem(index);
    await lendRunner(stepKey, lendable, mayLend, cancelledNow);
  };

  try {
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(inv.window, owed.length)) }, runner));
    } finally {
      // Every item has started (or a runner failed): none more for lenders; wait for theirs.
      stop = true;
      withdraw();
      while (lentItems.size > 0) await Promise.all(lentItems);
    }
    await Promise.all(settling);
    // A record that could not be written: fail the attempt (the retry runs the unrecorded items).
    if (recordError !== undefined) throw recordError;
    await write();
  } finally {
    clearInterval(ticker);
    cancelled.removeEventListener('abort', stopItems);
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
