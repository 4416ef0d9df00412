/** An item's own time limit inside a batch, and the retry delay its failure asks for. */
import { TransientError } from '../../core/errors.js';

/**
 * Why an item's signal aborts once the item is over: made once, as a fresh DOMException (with its
 * stack) for each of thousands of items is a cost the event loop pays between items.
 */
export const ITEM_OVER = new DOMException('the item is over', 'AbortError');

/** Rejects with a TransientError after `ms`, unless `signal` aborts first (the item is over). */
export function timeoutAfter(ms: number, signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new TransientError(`timed out after ${ms} ms (the step's timeout)`)), ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
}

/** The delay a transient failure asks for before the next attempt (the server's retry-after). */
export function retryDelayOf(err: unknown): number | undefined {
  return err instanceof TransientError ? err.retryAfterMs : undefined;
}
