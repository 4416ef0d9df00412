import { Context } from '@temporalio/activity';
import type { StepContext, StepLogger } from '../../engine/kind.js';
import { addUsageTo, zeroUsage, type Usage } from '../../engine/usage.js';
import type { ArtifactStore } from '../../store/types.js';

export interface ContextOptions {
  runId: string;
  stepId: string;
  itemIndex?: number;
  store: ArtifactStore;
  cache: boolean;
  budgetRemainingUsd?: number;
}

/** The StepContext of the activity running now, and the usage it accumulates. */
export function stepContextFromActivity(opts: ContextOptions): { ctx: StepContext; usage: Usage } {
  const activity = Context.current();
  const usage = zeroUsage();
  const fields = { run: opts.runId, step: opts.stepId, item: opts.itemIndex };
  const log: StepLogger = {
    info: (m, f) => activity.log.info(m, { ...fields, ...f }),
    warn: (m, f) => activity.log.warn(m, { ...fields, ...f }),
    error: (m, f) => activity.log.error(m, { ...fields, ...f }),
  };
  const ctx: StepContext = {
    runId: opts.runId,
    stepId: opts.stepId,
    idempotencyKey: `${opts.runId}/${opts.stepId}${opts.itemIndex !== undefined ? `/${opts.itemIndex}` : ''}`,
    attempt: activity.info.attempt,
    store: opts.store,
    heartbeat: (details) => activity.heartbeat(details),
    lastHeartbeat: <T>() => activity.info.heartbeatDetails as T | undefined,
    signal: activity.cancellationSignal,
    log,
    reportUsage: (u) => {
      addUsageTo(usage, u);
    },
    cache: opts.cache,
  };
  // Assigned, not spread in: contexts are made for every forEach item.
  if (opts.itemIndex !== undefined) ctx.itemIndex = opts.itemIndex;
  if (opts.budgetRemainingUsd !== undefined) ctx.budgetRemainingUsd = opts.budgetRemainingUsd;
  return { ctx, usage };
}
