import { ApplicationFailure, Context } from '@temporalio/activity';
import { readJson, readJsonIfExists, writeJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';
import type { StepKind } from '../../engine/kind.js';
import { addUsageTo, spentAnything, zeroUsage, type Usage } from '../../engine/usage.js';
import { toActivityFailure } from './failure.js';
import type { SingleInvocation, StepInvocation, StepResult } from '../../engine/invocation.js';
import type { ItemSlots } from './item-slots.js';
import { runKeys } from './keys.js';
import { resolveInputs, runKind } from './kind-call.js';
import { runBatch } from './run-batch.js';
import { countStep } from '../telemetry/metrics.js';
import { InternalError } from '../../core/errors.js';

/** Steps run as activities of their own heartbeat at the pace of their activity's timeout. */
function activityHeartbeat(): { heartbeatTimeoutMs?: number } {
  const ms = Context.current().info.heartbeatTimeoutMs;
  return ms !== undefined ? { heartbeatTimeoutMs: ms } : {};
}

/** What failed attempts of a single step spent (each writes its own file when it fails after paying). */
async function spentBefore(store: ArtifactStore, inv: SingleInvocation): Promise<Usage> {
  const total = zeroUsage();
  for await (const key of store.list(runKeys.stepSpent(inv.run.runId, inv.step.stepId))) addUsageTo(total, await readJson<Usage>(store, key));
  return total;
}

/** Thrown by a single step's attempt: what the step spent in all its attempts so far, for its failure's details. */
class SingleStepFailure extends Error {
  constructor(
    readonly original: unknown,
    readonly usage: Usage,
  ) {
    super('single step failed');
  }
}

async function runSingle(kind: StepKind, inv: SingleInvocation, store: ArtifactStore): Promise<StepResult> {
  const { runId } = inv.run;
  const recordKey = runKeys.stepResult(runId, inv.step.stepId);
  // An earlier attempt of this run finished but its completion was lost: never do the work twice.
  const done = await readJsonIfExists<StepResult>(store, recordKey);
  if (done) return { ...done, cached: true };
  const input = resolveInputs(inv.step, inv.scope);
  // Answers an attempt paid for but could not use are kept, so the step's usage (and budgets) count them.
  const spent = zeroUsage();
  let result: StepResult;
  try {
    result = await runKind(kind, inv.step, input, { store, runId, spentOnFailure: spent, ...activityHeartbeat(), ...(inv.budgetRemainingUsd !== undefined ? { budget: inv.budgetRemainingUsd } : {}) });
  } catch (err) {
    let total: Usage;
    try {
      if (spentAnything(spent)) await writeJson(store, runKeys.stepSpentFile(runId, inv.step.stepId, Context.current().info.attempt), spent, { run: runId, step: inv.step.stepId });
      total = await spentBefore(store, inv);
    } catch {
      // The store is failing too: the step's own error is the one to report.
      throw err;
    }
    throw spentAnything(total) ? new SingleStepFailure(err, total) : err;
  }
  // Only a retry can have earlier attempts' spending to add: a first attempt skips the listing.
  const before = Context.current().info.attempt > 1 ? await spentBefore(store, inv) : zeroUsage();
  if (spentAnything(before)) result = { ...result, usage: addUsageTo(addUsageTo(zeroUsage(), result.usage ?? {}), before) };
  await writeJson(store, recordKey, result, { run: runId, step: inv.step.stepId });
  return result;
}

/** Whether a failed attempt is the step's last: a permanent error, or no attempt left. */
function isFinal(failure: unknown, attempt: number, maximumAttempts: number): boolean {
  return (failure instanceof ApplicationFailure && failure.nonRetryable) || (maximumAttempts > 0 && attempt >= maximumAttempts);
}

/** The activity body shared by every step kind: resolve, validate, memoise, run, record. */
export async function executeStep(kind: StepKind, inv: StepInvocation, store: ArtifactStore, slots?: ItemSlots, lendRunners?: boolean): Promise<StepResult> {
  switch (inv.mode) {
    case 'single': {
      const { attempt } = Context.current().info;
      countStep(inv.step.uses, attempt === 1 ? 'started' : 'retried');
      try {
        const result = await runSingle(kind, inv, store);
        countStep(inv.step.uses, 'succeeded');
        return result;
      } catch (err) {
        const where = { stepId: inv.step.stepId, uses: inv.step.uses };
        const { cancellationSignal } = Context.current();
        const failure = err instanceof SingleStepFailure ? toActivityFailure(err.original, where, cancellationSignal, err.usage) : toActivityFailure(err, where, cancellationSignal);
        if (isFinal(failure, attempt, inv.step.maximumAttempts)) countStep(inv.step.uses, 'failed');
        throw failure;
      }
    }
    case 'batch':
      return { outputs: {}, batch: await runBatch(kind, inv, store, slots, lendRunners), cached: false };
    default: {
      const never: never = inv;
      throw new InternalError(`unknown invocation ${JSON.stringify(never)}`);
    }
  }
}
