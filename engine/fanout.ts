/**
 * The fan-out vocabulary and its arithmetic. A forEach step's items are cut into *batches*: a batch
 * is a contiguous range of the step's items, stored in the run's store (one file) and run by one
 * activity of the step's kind, which works through its items `window` at a time. Several batches of
 * a step run at once; their windows add up to the step's `concurrency`. Pure: the workflow, the
 * activities and the CLI all import it.
 */
import type { Usage } from './usage.js';

/** A batch: items [start, start + count) of a step. Its items and records live under keys of its start. */
export interface BatchRef {
  start: number;
  count: number;
}

/** Items a running batch keeps in flight before the step runs one more batch at once. */
export const WINDOW_PER_BATCH = 8;
/** The most batches of one step that run at once. */
export const MAX_BATCHES_AT_ONCE = 8;
/** The fewest and the most items in a batch (the most bounds a batch's file and its activity's time). */
export const MIN_BATCH_SIZE = 25;
export const MAX_BATCH_SIZE = 500;
/**
 * Each batch adds about 8 events to the run's history; past this many the run itself would outgrow
 * its history budget, so larger fan-outs are refused up front rather than failing halfway.
 */
export const MAX_BATCHES = 400;

/**
 * The most JSON a fan-out's items and context may take to travel in the run's history instead of
 * the store (engine/invocation.ts, ForEachExpansion): its batches then start without reading the
 * store, and it costs no store writes. The history holds them about twice (the expansion, and each
 * batch's share of the items with the context).
 */
export const INLINE_EXPANSION_CHARS = 64 * 1024;

/**
 * Whether a fan-out whose items take `itemChars` of JSON, cut into `batchCount` batches, may travel
 * in the run's history with its context of `contextChars` (INLINE_EXPANSION_CHARS).
 */
export function fitsInHistory(itemChars: number, contextChars: number, batchCount: number): boolean {
  return itemChars + contextChars * (batchCount + 1) <= INLINE_EXPANSION_CHARS;
}

/** The batches of `count` items, `atOnce` of which run at once: contiguous, of batchSize items (the last fewer). */
export function batchesOf(count: number, atOnce: number): BatchRef[] {
  const size = batchSize(count, atOnce);
  return Array.from({ length: Math.ceil(count / size) }, (_, k) => ({ start: k * size, count: Math.min(size, count - k * size) }));
}

/** A literal forEach list (literalItems) and the length of its JSON. */
export interface LiteralItems {
  items: unknown[];
  chars: number;
}

/**
 * A forEach `items` that is a literal list: not empty, no expression anywhere in it (no `${{` in
 * its JSON; one in a key is refused too, though keys are not evaluated). The workflow may cut
 * those itself, since they are in the plan already. Undefined for any other (an expression, a
 * dataset): those are expanded by an activity.
 */
export function literalItems(items: unknown): LiteralItems | undefined {
  if (!Array.isArray(items) || items.length === 0) return undefined;
  const json = JSON.stringify(items);
  return json.includes('${{') ? undefined : { items, chars: json.length };
}

/** How many batches of a step of this concurrency run at once. */
export function batchesAtOnce(concurrency: number): number {
  return Math.max(1, Math.min(MAX_BATCHES_AT_ONCE, Math.ceil(concurrency / WINDOW_PER_BATCH)));
}

/** Items per batch for `count` items: one batch per runner, within the size bounds. */
export function batchSize(count: number, atOnce: number): number {
  return Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Math.ceil(count / atOnce)));
}

/**
 * Items to read before the batch size is known: once this many are in, `count / atOnce` is at
 * least the largest batch, so the size is MAX_BATCH_SIZE whatever follows.
 */
export function sizeKnownAfter(atOnce: number): number {
  return atOnce * MAX_BATCH_SIZE;
}

/** The window of the batch run by the `slot`-th of `atOnce` runners: the windows add up to `concurrency`. */
export function batchWindow(concurrency: number, atOnce: number, slot: number): number {
  return Math.max(1, Math.floor(concurrency / atOnce) + (slot < concurrency % atOnce ? 1 : 0));
}

/** A batch's activity id: the CLI finds a step's running batches (and their heartbeats) by it. */
export function batchActivityId(stepId: string, batch: BatchRef): string {
  return `${stepId}/batch-${batch.start}`;
}

/** The step a batch activity id names, or undefined for any other activity. */
export function stepOfBatchActivity(activityId: string): string | undefined {
  return activityId.match(/^(.*)\/batch-\d+$/)?.[1];
}

/** What a batch reports back; its item records are already in the store. */
export interface BatchResult {
  succeeded: number;
  failed: number;
  cached: number;
  usage: Usage;
  /** The first few failures, for the step's error message. */
  failures: { index: number; message: string }[];
  budgetExhausted: boolean;
}
