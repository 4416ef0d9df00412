/**
 * What a finished forEach item becomes: a record (succeeded, or failed for good) or, for a
 * transient failure with attempts left, an item the batch's next attempt runs again.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { PermanentError } from '../../core/errors.js';
import { unwrapFailure } from '../../engine/failure.js';
import type { BatchInvocation, ItemRecord, StepResult, StepRuntime } from '../../engine/invocation.js';
import { toActivityFailure } from './failure.js';
import { MAX_ITEM_OUTPUT_BYTES, outputsTooLarge } from './kind-call.js';
import { retryDelayOf } from './running-item.js';

export type FailedOutcome =
  /** Nothing to record: the batch was cancelled. */
  | { to: 'drop' }
  | { to: 'retry'; failure: ApplicationFailure; delayMs?: number }
  | { to: 'record'; rec: ItemRecord; line: string };

export type SucceededOutcome = { to: 'record'; rec: ItemRecord; line: string } | { to: 'fail'; err: PermanentError };

/** A failed item's outcome on attempt `attempt` of its batch. */
export function failedOutcome(index: number, err: unknown, step: StepRuntime, inv: BatchInvocation, attempt: number): FailedOutcome {
  const failure = toActivityFailure(err, { stepId: step.stepId, uses: step.uses, itemIndex: index });
  if (failure instanceof CancelledFailure) return { to: 'drop' };
  const unwrapped = unwrapFailure(failure);
  const type = unwrapped.type ?? (failure instanceof ApplicationFailure ? 'Error' : failure.name);
  const permanent = failure instanceof ApplicationFailure && (unwrapped.nonRetryable || inv.nonRetryableErrorTypes.includes(type));
  const lastAttempt = inv.maximumAttempts > 0 && attempt >= inv.maximumAttempts;
  if (!permanent && !lastAttempt && failure instanceof ApplicationFailure) {
    const delayMs = retryDelayOf(err);
    return { to: 'retry', failure, ...(delayMs !== undefined ? { delayMs } : {}) };
  }
  const message = permanent || inv.maximumAttempts <= 1 ? failure.message : `${failure.message} (attempt ${attempt} of ${inv.maximumAttempts}, the last)`;
  const rec: ItemRecord = { index, status: 'failed', error: { type, message } };
  return { to: 'record', rec, line: JSON.stringify(rec) };
}

/** A succeeded item's record; outputs that cannot be a record (not JSON, over the size limit) fail the item for good. */
export function succeededOutcome(index: number, r: StepResult): SucceededOutcome {
  const rec: ItemRecord = { index, status: 'succeeded', outputs: r.outputs };
  if (r.cached) rec.cached = true;
  let line: string;
  try {
    line = JSON.stringify(rec);
  } catch (err) {
    return { to: 'fail', err: new PermanentError(`outputs cannot be stored as JSON: ${(err as Error).message}`) };
  }
  // A UTF-16 unit is at most 3 bytes of UTF-8: most records need no count of their bytes.
  if (line.length * 3 > MAX_ITEM_OUTPUT_BYTES) {
    const bytes = Buffer.byteLength(line) - JSON.stringify({ ...rec, outputs: 0 }).length + 1;
    if (bytes > MAX_ITEM_OUTPUT_BYTES) return { to: 'fail', err: outputsTooLarge(bytes, MAX_ITEM_OUTPUT_BYTES, 'one forEach item') };
  }
  return { to: 'record', rec, line };
}
