/**
 * The project's error hierarchy. Every error says whether a retry can help.
 * At the activity boundary these become Temporal `ApplicationFailure`s whose
 * `type` is the error's `name` (see `activities/runtime/failure.ts`).
 */
export interface ErrorContext {
  step?: string;
  item?: number;
  file?: string;
  artifact?: string;
}

export abstract class RepairityError extends Error {
  abstract readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.context = context;
  }
}

/** Bad input, bad configuration, a failed test: retrying the same thing cannot help. */
export class PermanentError extends RepairityError {
  readonly retryable = false;
}

/** Rate limits, overload, lost connections, timeouts: a later attempt may succeed. */
export class TransientError extends RepairityError {
  readonly retryable = true;
  /** Milliseconds the caller should wait before the next attempt, when the server said so. */
  readonly retryAfterMs?: number;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, context, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** A step's resolved input does not match the input schema of its `uses` kind. */
export class InvalidStepInputError extends PermanentError {}

/** A stored object failed its integrity check, or could not be found. */
export class ArtifactIntegrityError extends PermanentError {}
export class ArtifactNotFoundError extends PermanentError {}

/** A spend limit (dollars) set on a step or run has been reached. */
export class BudgetExceeded extends PermanentError {}

/** Repairity broke one of its own rules (a bug): a retry runs the same code. Report it. */
export class InternalError extends PermanentError {}

/** Whether a retry can help: a RepairityError says; anything else (a library's error) is assumed transient. */
export function isRetryable(err: unknown): boolean {
  return err instanceof RepairityError ? err.retryable : true;
}
