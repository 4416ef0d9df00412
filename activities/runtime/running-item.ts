/**
 * A forEach item while its batch runs it: when it started (for its time limit), its stop signal,
 * the work its call handed over, and what it spent. One is made per item, so what an item may
 * never need is made on first use.
 */
import { TransientError } from '../../core/errors.js';
import { zeroUsage, type Usage } from '../../engine/usage.js';
import type { ItemParts } from './context.js';

/**
 * Why an item's signal aborts once the item is over: made once, as a fresh DOMException (with its
 * stack) for each of thousands of items is a cost the event loop pays between items.
 */
export const ITEM_OVER = new DOMException('the item is over', 'AbortError');

/** What the items of one batch share. */
export interface ItemBatch {
  /** The activity's cancellation. */
  cancelled: AbortSignal;
  /** Records an item's heartbeat details and sends the batch's heartbeat. */
  heartbeat(index: number, details: unknown): void;
  /** An item's details in the heartbeat of the attempt before this one. */
  lastHeartbeat(index: number): unknown;
  /** Runs handed-over work when the worker has room; settles to its error, or undefined. */
  handOver(work: () => Promise<unknown>): Promise<unknown>;
  /** Work an item handed over that no record waits for (its call ran past its time): the batch waits for it before it ends. */
  leftOver(work: Promise<unknown>): void;
}

export class RunningItem implements ItemParts {
  /** When its call started (performance.now()); undefined while it waits for a worker slot. */
  startedAt: number | undefined;
  /** Ended: succeeded, failed or over its time; what its call does later is ignored. */
  over = false;
  /** Work its call handed over (ctx.afterward), each settling to its error or undefined. */
  handedOver: Promise<unknown>[] | undefined;
  /** Whether it has heartbeat details in its batch's heartbeat. */
  beat = false;
  /** What the call spent before it failed. */
  readonly spent: Usage = zeroUsage();
  private controller: AbortController | undefined;

  constructor(
    readonly index: number,
    private readonly batch: ItemBatch,
    /** Called once it is over: its runner goes on to the next item. */
    public then: () => void,
  ) {}

  /** Aborted when the batch is cancelled, when the item is over its time, and once it is over. */
  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.over) this.controller.abort(ITEM_OVER);
      else if (this.batch.cancelled.aborted) this.controller.abort(this.batch.cancelled.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.controller && !this.controller.signal.aborted) this.controller.abort(reason);
  }

  heartbeat(details: unknown): void {
    this.beat = true;
    this.batch.heartbeat(this.index, details);
  }

  lastHeartbeat(): unknown {
    return this.batch.lastHeartbeat(this.index);
  }

  afterward(work: () => Promise<unknown>): void {
    const handedOver = this.batch.handOver(work);
    if (this.over) this.batch.leftOver(handedOver);
    else (this.handedOver ??= []).push(handedOver);
  }
}

/** An item's failure for having run past the step's timeout: transient, so a retry may run it again. */
export function itemTimedOut(ms: number): TransientError {
  return new TransientError(`timed out after ${ms} ms (the step's timeout)`);
}

/** The delay a transient failure asks for before the next attempt (the server's retry-after). */
export function retryDelayOf(err: unknown): number | undefined {
  return err instanceof TransientError ? err.retryAfterMs : undefined;
}
