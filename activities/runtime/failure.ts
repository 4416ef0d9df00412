import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { RepairityError, TransientError } from '../../core/errors.js';
import { detailsWithUsage, type FailureDetails } from '../../engine/failure.js';
import type { Usage } from '../../engine/usage.js';

export interface FailureWhere {
  stepId: string;
  uses: string;
  itemIndex?: number;
}

export function describeWhere(where: FailureWhere): string {
  return where.itemIndex === undefined ? `step "${where.stepId}" (${where.uses})` : `step "${where.stepId}" (${where.uses}) item ${where.itemIndex}`;
}

/** The failure Temporal expects from an activity whose cancellation signal aborted. */
export function cancellationOf(cancelled: AbortSignal): CancelledFailure {
  return cancelled.reason instanceof CancelledFailure ? cancelled.reason : new CancelledFailure(String(cancelled.reason ?? 'cancelled'));
}

/**
 * Turns any error thrown by a step into what Temporal should see: permanent errors become
 * non-retryable failures typed by their class name, transient ones carry the server's
 * retry-after as the next retry delay, cancellation passes through untouched. The first detail is
 * a `FailureDetails` (engine/failure.ts reads it back).
 */
export function toActivityFailure(err: unknown, where: FailureWhere, cancelled?: AbortSignal, usage?: Usage): Error {
  if (err instanceof CancelledFailure) return err;
  if (err instanceof ApplicationFailure) return usage ? withUsage(err, usage) : err;
  // A step that stopped because it was cancelled reports the cancellation, whatever it threw.
  if (cancelled?.aborted) return cancellationOf(cancelled);
  const prefix = describeWhere(where);
  const at: FailureDetails = { step: where.stepId, item: where.itemIndex, ...(usage ? { usage } : {}) };
  if (err instanceof RepairityError) {
    const details: FailureDetails[] = [{ ...err.context, ...at }];
    return failureOf(err, `${prefix}: ${err.message}`, details);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ type: e.name || 'Error', message: `${prefix}: ${e.message}`, nonRetryable: false, ...(usage ? { details: [at] } : {}) });
}

/**
 * What an engine activity (prepare a run, expand or collect a fan-out, ...) throws, as Temporal
 * should see it: a RepairityError becomes a failure typed by its class, retried only when a retry
 * can help (bad params or bad items fail the run at once, not after ten attempts).
 */
export function toEngineFailure(err: unknown): unknown {
  return err instanceof RepairityError ? failureOf(err, err.message, [err.context]) : err;
}

/** A RepairityError as a failure typed by its class, retryable as it says, with a transient one's retry-after. */
function failureOf(err: RepairityError, message: string, details: unknown[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: err.name,
    message,
    nonRetryable: !err.retryable,
    details,
    ...(err instanceof TransientError && err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
  });
}

/**
 * A kind's own ApplicationFailure, carrying what the step spent as the engine's failures do (in
 * its first detail, which the workflow reads), so a run's usage and budgets still count it.
 */
function withUsage(failure: ApplicationFailure, usage: Usage): ApplicationFailure {
  const details = detailsWithUsage(failure.details ?? undefined, usage);
  return ApplicationFailure.create({
    message: failure.message,
    ...(failure.type ? { type: failure.type } : {}),
    nonRetryable: failure.nonRetryable ?? false,
    details,
    ...(failure.nextRetryDelay !== undefined ? { nextRetryDelay: failure.nextRetryDelay } : {}),
    ...(failure.cause ? { cause: failure.cause } : {}),
  });
}
