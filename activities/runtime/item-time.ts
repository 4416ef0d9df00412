/** An item's own time limit inside a batch, its stop signal, and the retry delay its failure asks for. */
import { TransientError } from '../../core/errors.js';

/**
 * Why an item's signal aborts once the item is over: made once, as a fresh DOMException (with its
 * stack) for each of thousands of items is a cost the event loop pays between items.
 */
export const ITEM_OVER = new DOMException('the item is over', 'AbortError');

/**
 * An item's stop: aborted when the batch is cancelled, when the item times out, and once it is
 * over. Its AbortSignal is made when first read: an AbortController, its listener and its abort
 * event cost more than a trivial item, and most kinds that finish at once never read it.
 */
export class ItemStop {
  private controller: AbortController | undefined;
  private stopped = false;
  private reason: unknown;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopped) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** What `call` settles to, or a TransientError if it has not settled within `ms` (the item's timeout). */
export function withinTimeout<T>(call: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TransientError(`timed out after ${ms} ms (the step's timeout)`)), ms);
    call.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** The delay a transient failure asks for before the next attempt (the server's retry-after). */
export function retryDelayOf(err: unknown): number | undefined {
  return err instanceof TransientError ? err.retryAfterMs : undefined;
}
