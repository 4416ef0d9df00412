/**
 * One call of a step kind: validate the resolved input, consult the step cache, run the kind
 * with its StepContext, check the outputs. Shared by single steps and the items of batches.
 */
import { LRUCache } from 'lru-cache';
import { InvalidStepInputError, PermanentError } from '../../core/errors.js';
import { resolveTemplate, type Scope } from '../../core/expressions.js';
import { hashJson } from '../../core/hash.js';
import { readJson, readJsonIfExists, writeJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';
import type { StepContext, StepKind } from '../../engine/kind.js';
import { addUsageTo, spentAnything, zeroUsage, type Usage } from '../../engine/usage.js';
import { withAutoHeartbeat } from './auto-heartbeat.js';
import { stepContextFromActivity, type ContextOptions } from './context.js';
import { describeWhere } from './failure.js';
import type { StepResult, StepRuntime } from '../../engine/invocation.js';
import { stepCacheKey } from './keys.js';
import { StepLog, teeToStepLog } from './step-log.js';
import { validateAgainst } from './validate.js';

const MAX_OUTPUT_BYTES = 256 * 1024;
const MAX_ITEM_OUTPUT_BYTES = 64 * 1024;

/** Context files are read by every batch of a step, and a batch's items by each of its attempts: keep recent ones in memory. */
const sharedReads = new LRUCache<string, object>({ max: 64 });

export async function readShared<T>(store: ArtifactStore, key: string): Promise<T> {
  const id = `${store.rootUri}|${key}`;
  const hit = sharedReads.get(id);
  if (hit !== undefined) return hit as T;
  const value = await readJson<T>(store, key);
  sharedReads.set(id, value as object);
  return value;
}

export function resolveInputs(step: StepRuntime, scope: Scope, itemIndex?: number): Record<string, unknown> {
  try {
    return resolveTemplate(step.with, scope) as Record<string, unknown>;
  } catch (err) {
    const where = describeWhere({ stepId: step.stepId, uses: step.uses, ...(itemIndex !== undefined ? { itemIndex } : {}) });
    throw new PermanentError(`${where}: an expression in "with" could not be evaluated: ${(err as Error).message}`, { step: step.stepId });
  }
}

/**
 * The cache key of a step's work: its kind, the kind's code version, the hash of the code it runs
 * outside this program (`code`, see StepImpl.codeHash) and its resolved inputs.
 */
export function cacheKeyOf(step: StepRuntime, input: unknown, code?: string): string {
  return hashJson({ uses: step.uses, version: step.kindVersion, ...(code === undefined ? {} : { code }), input });
}

/** Outputs over the limit of a step (workflow history) or of one forEach item (its record) fail for good. */
function checkSize(outputs: Record<string, unknown>, itemIndex: number | undefined): Record<string, unknown> {
  const size = Buffer.byteLength(JSON.stringify(outputs));
  const [limit, what] = itemIndex === undefined ? [MAX_OUTPUT_BYTES, 'workflow history'] : [MAX_ITEM_OUTPUT_BYTES, 'one forEach item'];
  if (size > limit) {
    throw new PermanentError(`outputs are ${size} bytes, over the ${limit}-byte limit for ${what}: write large data to the artifact store and return its reference`);
  }
  return outputs;
}

export interface KindCall {
  store: ArtifactStore;
  runId: string;
  itemIndex?: number;
  budget?: number;
  /** Builds the StepContext; by default the one of the activity running now. */
  makeContext?: (opts: ContextOptions) => { ctx: StepContext; usage: Usage };
  /** Heartbeat on the step's behalf at this timeout's pace; none when absent (a batch beats for its items). */
  heartbeatTimeoutMs?: number;
  /** Receives what a call that then failed had spent (an answer paid for but unusable), so it is still counted. */
  spentOnFailure?: Usage;
  /** The call's own stop signal (a forEach item's), made when the kind first reads `ctx.signal`; default the context's. */
  signal?: () => AbortSignal;
}

export async function runKind(kind: StepKind, step: StepRuntime, input: Record<string, unknown>, call: KindCall): Promise<StepResult> {
  const { store, runId, itemIndex, budget } = call;
  const problems = validateAgainst(kind.spec.input, input);
  if (problems.length > 0) {
    throw new InvalidStepInputError(`inputs do not match ${step.uses}: ${problems.join('; ')}. Fix the step's "with:" in the pipeline file.`, { step: step.stepId });
  }
  const cacheKey = step.cache && !kind.spec.memoised ? stepCacheKey(cacheKeyOf(step, input, await kind.run.codeHash?.())) : undefined;
  if (cacheKey && !step.refresh) {
    const hit = await readJsonIfExists<StepResult>(store, cacheKey);
    // Paid for by an earlier run: nothing is spent now.
    if (hit) return { outputs: checkSize(hit.outputs, itemIndex), cached: true };
  }
  // Optional fields are assigned, not spread in: this runs for every forEach item.
  const options: ContextOptions = { runId, stepId: step.stepId, store, cache: step.cache };
  if (itemIndex !== undefined) options.itemIndex = itemIndex;
  if (budget !== undefined) options.budgetRemainingUsd = budget;
  const { ctx, usage } = (call.makeContext ?? stepContextFromActivity)(options);
  const where: ConstructorParameters<typeof StepLog>[1] = { runId, stepId: step.stepId, attempt: ctx.attempt };
  if (itemIndex !== undefined) where.itemIndex = itemIndex;
  const stepLog = new StepLog(store, where);
  if (itemIndex === undefined) stepLog.follow();
  const workerLog = ctx.log;
  teeToStepLog(ctx, stepLog);
  const beat = withAutoHeartbeat(ctx, call.heartbeatTimeoutMs);
  // Set on the context the kind gets (a copy would read it, and make it, for every call).
  if (call.signal) Object.defineProperty(beat.ctx, 'signal', { get: call.signal, enumerable: true, configurable: true });
  let outputs: Record<string, unknown>;
  try {
    outputs = ((await kind.run(input, beat.ctx)) ?? {}) as Record<string, unknown>;
    const outProblems = validateAgainst(kind.spec.output, outputs);
    if (outProblems.length > 0) {
      throw new PermanentError(`${step.uses} returned outputs that do not match its declared schema: ${outProblems.join('; ')} (a bug in the step kind)`);
    }
    checkSize(outputs, itemIndex);
  } catch (err) {
    stepLog.record('failed', (err as Error).message ?? String(err));
    if (call.spentOnFailure) addUsageTo(call.spentOnFailure, usage);
    throw err;
  } finally {
    beat.stop();
    // The log is kept for the user: failing to store it never fails the step. An item that
    // logged nothing has no file (and no write to hand over).
    const keep = () => stepLog.close().catch((err: unknown) => workerLog.warn(`the step's log could not be stored: ${(err as Error).message}`));
    if (!ctx.afterward) await keep();
    else if (!stepLog.empty) ctx.afterward(keep);
  }
  const result: StepResult = { outputs, usage, cached: false };
  if (cacheKey) {
    const write = () => writeJson(store, cacheKey, { outputs, usage }, { run: runId, step: step.stepId });
    if (ctx.afterward) ctx.afterward(write);
    else await write();
  }
  return result;
}
