/**
 * The StepContext a kind's call gets. It is made for every forEach item (thousands a batch), so
 * what most calls never touch is made on first use: the logger, the step log, an item's signal.
 */
import { Context } from '@temporalio/activity';
import type { StepContext, StepLogger } from '../../engine/kind.js';
import { addUsageTo, zeroUsage, type Usage } from '../../engine/usage.js';
import type { ArtifactStore } from '../../store/types.js';
import { StepLog, teeLogger } from './step-log.js';

export interface ContextOptions {
  runId: string;
  stepId: string;
  itemIndex?: number;
  store: ArtifactStore;
  cache: boolean;
  budgetRemainingUsd?: number;
}

/** What a forEach item's context takes from its batch instead of from the activity. */
export interface ItemParts {
  heartbeat(details: unknown): void;
  lastHeartbeat(): unknown;
  afterward(work: () => Promise<unknown>): void;
  signal(): AbortSignal;
}

export interface CallContext {
  ctx: StepContext;
  /** What the call reported spending. */
  usage: Usage;
  /** Whether the call logged anything (most items log nothing, and have no log file). */
  logged?(): boolean;
  /**
   * Writes the call's step log. Never rejects: a log that cannot be stored is a warning in the
   * worker's log, not the step's failure.
   */
  closeLog?(): Promise<void>;
}

/**
 * A call's context. A class, not an object literal: a literal with getters costs about a
 * microsecond to make, many times a trivial item. `signal` and `log` are getters, made on first
 * use (so a copy made by spreading lacks them: a kind that changes a member changes its own
 * context, which no other call shares).
 */
class CallStepContext implements StepContext {
  readonly idempotencyKey: string;
  readonly attempt: number;
  itemIndex?: number;
  budgetRemainingUsd?: number;
  afterward?: (work: () => Promise<unknown>) => void;
  heartbeat: (details?: unknown) => void;
  lastHeartbeat: <T = unknown>() => T | undefined;
  readonly record: (stream: string, text: string) => void;
  readonly reportUsage: (usage: Partial<Usage>) => void;
  /** The call's step log, once anything was logged: an item's is written once, when it ends; a single step's every few seconds while it runs. */
  stepLog: StepLog | undefined;
  private logger: StepLogger | undefined;

  constructor(
    readonly runId: string,
    readonly stepId: string,
    readonly store: ArtifactStore,
    readonly cache: boolean,
    itemIndex: number | undefined,
    private readonly activity: Context,
    private readonly item: ItemParts | undefined,
    usage: Usage,
  ) {
    this.attempt = activity.info.attempt;
    this.idempotencyKey = itemIndex !== undefined ? `${runId}/${stepId}/${itemIndex}` : `${runId}/${stepId}`;
    if (itemIndex !== undefined) this.itemIndex = itemIndex;
    if (item) {
      this.heartbeat = (details) => item.heartbeat(details);
      this.lastHeartbeat = <T>() => item.lastHeartbeat() as T | undefined;
      this.afterward = (work) => item.afterward(work);
    } else {
      this.heartbeat = (details) => activity.heartbeat(details);
      this.lastHeartbeat = <T>() => activity.info.heartbeatDetails as T | undefined;
    }
    this.record = (stream, text) => this.openLog().record(stream, text);
    this.reportUsage = (u) => {
      addUsageTo(usage, u);
    };
  }

  get signal(): AbortSignal {
    return this.item ? this.item.signal() : this.activity.cancellationSignal;
  }

  get log(): StepLogger {
    return (this.logger ??= teeLogger(this.activity.log, { run: this.runId, step: this.stepId, item: this.itemIndex }, () => this.openLog()));
  }

  openLog(): StepLog {
    if (this.stepLog) return this.stepLog;
    const where: ConstructorParameters<typeof StepLog>[1] = { runId: this.runId, stepId: this.stepId, attempt: this.attempt };
    if (this.itemIndex !== undefined) where.itemIndex = this.itemIndex;
    this.stepLog = new StepLog(this.store, where);
    if (this.itemIndex === undefined) this.stepLog.follow();
    return this.stepLog;
  }
}

/** The context of a call in the activity running now; an item's (`item`) heartbeats through its batch. */
export function callContext(opts: ContextOptions, item?: ItemParts): CallContext {
  const activity = Context.current();
  const usage = zeroUsage();
  const ctx = new CallStepContext(opts.runId, opts.stepId, opts.store, opts.cache, opts.itemIndex, activity, item, usage);
  if (opts.budgetRemainingUsd !== undefined) ctx.budgetRemainingUsd = opts.budgetRemainingUsd;
  return {
    ctx,
    usage,
    logged: () => ctx.stepLog !== undefined && !ctx.stepLog.empty,
    closeLog: async () => {
      await ctx.stepLog?.close().catch((err: unknown) => activity.log.warn(`the step's log could not be stored: ${(err as Error).message}`, { run: opts.runId, step: opts.stepId, item: opts.itemIndex }));
    },
  };
}
