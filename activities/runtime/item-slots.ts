/**
 * The per-worker limit on forEach items of one task queue. A batch activity runs many items, so
 * the worker's activity slots no longer bound the calls made at once: every item takes one of
 * these slots first (and waits its turn under an optional items-per-second rate).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface ItemSlotLimits {
  /** Items running at once in this worker process. */
  concurrency: number;
  /** Items started per second by this worker process; unlimited when absent. */
  perSecond?: number;
}

export class ItemSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStartAt = 0;

  constructor(readonly limits: ItemSlotLimits) {
    if (!(limits.concurrency >= 1)) throw new RangeError(`item concurrency must be at least 1, got ${limits.concurrency}`);
    if (limits.perSecond !== undefined && !(limits.perSecond > 0)) throw new RangeError(`items per second must be positive, got ${limits.perSecond}`);
  }

  /** Runs `fn` in a slot. Gives up waiting (without running `fn`) when `signal` aborts. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      await this.pace(signal);
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.running < this.limits.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.running++;
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled while waiting for an item slot'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(wake);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  /** Spaces item starts 1/perSecond apart. */
  private async pace(signal?: AbortSignal): Promise<void> {
    if (this.limits.perSecond === undefined) return;
    const now = Date.now();
    const at = Math.max(now, this.nextStartAt);
    this.nextStartAt = at + 1000 / this.limits.perSecond;
    if (at > now) {
      await sleep(at - now, undefined, signal ? { signal } : undefined);
    }
  }
}
