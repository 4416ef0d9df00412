/**
 * What crosses the activity (and child workflow) boundary when a step fails, and the one way to
 * read it back. Activities throw Temporal ApplicationFailures whose first detail is a
 * `FailureDetails` (activities/runtime/failure.ts writes it); the workflow receives them wrapped in
 * an ActivityFailure or a ChildWorkflowFailure. Pure: Temporal's failure classes are recognised by
 * their documented `name`, so the workflow bundle, activities and tests all use this file.
 */
import type { StepProgress } from './progress.js';
import { addUsageTo, zeroUsage, type Usage } from './usage.js';

/** The first detail of a step's failure. */
export interface FailureDetails {
  /** Where it failed. */
  step?: string;
  item?: number;
  /** What the failed work had spent (answers paid for but unusable): budgets still count it. */
  usage?: Usage;
  /** A failed sub-pipeline run: its steps, with their usage. */
  steps?: StepProgress[];
  /** What the run's end could not do. */
  notes?: string[];
  /** Whatever else the error said about where it happened (file, artifact). */
  [key: string]: unknown;
}

/** A failure, unwrapped. */
export interface Failure {
  /** The ApplicationFailure's type (an error class name such as TransientError), when there is one. */
  type?: string;
  message: string;
  /** Whether Temporal will not retry it. */
  nonRetryable: boolean;
  details?: FailureDetails;
}

/** The type a step stopped for want of budget carries (the workflow's own stop, and an activity's). */
export const BUDGET_EXCEEDED = 'BudgetExceeded';

/** Whether a failure type means a budget was spent. */
export function isBudgetStop(type: string | undefined): boolean {
  return type === BUDGET_EXCEEDED;
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  type?: unknown;
  nonRetryable?: unknown;
  details?: unknown;
}

const WRAPPERS = new Set(['ActivityFailure', 'ChildWorkflowFailure']);

function asError(err: unknown): ErrorLike | undefined {
  return err !== null && typeof err === 'object' ? (err as ErrorLike) : undefined;
}

/**
 * The failure behind `err`: an activity's or a child run's ApplicationFailure (their wrappers are
 * looked through), or any other error as it is.
 */
export function unwrapFailure(err: unknown): Failure {
  let e = asError(err);
  while (e && typeof e.name === 'string' && WRAPPERS.has(e.name) && asError(e.cause)) e = asError(e.cause);
  if (!e) return { message: String(err), nonRetryable: false };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.name !== 'ApplicationFailure') return { message, nonRetryable: false };
  const first = Array.isArray(e.details) ? asError(e.details[0]) : undefined;
  return {
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    message,
    nonRetryable: e.nonRetryable === true,
    ...(first && !Array.isArray(first) ? { details: first as FailureDetails } : {}),
  };
}

/** What a failed activity or sub-pipeline run had spent: its own usage and its steps'. */
export function usageOfFailure(err: unknown): Usage {
  const usage = zeroUsage();
  const details = unwrapFailure(err).details;
  addUsageTo(usage, details?.usage);
  for (const s of details?.steps ?? []) addUsageTo(usage, s.usage);
  return usage;
}

/** The message of the failure behind `err`, for a step's `error`. */
export function describeFailure(err: unknown): string {
  return unwrapFailure(err).message;
}

/** Whether a failed sub-pipeline run stopped because one of its steps ran out of budget. */
export function failedForBudget(err: unknown): boolean {
  return (unwrapFailure(err).details?.steps ?? []).some((s) => s.state === 'failed' && isBudgetStop(s.errorType));
}

/**
 * `details` with `usage` put into the first one (a plain object), as the workflow reads it; any
 * other first detail is kept after a new one.
 */
export function detailsWithUsage(details: readonly unknown[] | undefined, usage: Usage): unknown[] {
  const [first, ...rest] = details ?? [];
  const plain = first !== null && typeof first === 'object' && !Array.isArray(first);
  return plain ? [{ ...first, usage }, ...rest] : [{ usage }, ...(details ?? [])];
}
