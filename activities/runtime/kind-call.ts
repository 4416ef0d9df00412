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
import type { StepKind } from '../../engine/kind.js';
import { addUsageTo, type Usage } from '../../engine/usage.js';
import { keepHeartbeating } from './auto-heartbeat.js';
import { callContext, type CallContext, type ContextOptions, type ItemParts } from './context.js';
import { describeWhere } from './failure.js';
import type { StepResult, StepRuntime } from '../../engine/invocation.js';
import { stepCacheKey } from './keys.js';
import { validateAgainst } from './validate.js';

const MAX_OUTPUT_BYTES = 256 * 1024;
export const MAX_ITEM_OUTPUT_BYTES = 64 * 1024;

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

/**
 * A single step's outputs over the limit of its workflow history fail for good. A forEach item's
 * are checked against MAX_ITEM_OUTPUT_BYTES on the record its batch writes (item-outcome.ts).
 */
function checkSize(outputs: Record<string, unknown>, itemIndex: number | undefined): Record<string, unknown> {
  if (itemIndex !== undefined) return outputs;
  const size = Buffer.byteLength(JSON.stringify(outputs));
  if (size > MAX_OUTPUT_BYTES) throw outputsTooLarge(size, MAX_OUTPUT_BYTES, 'workflow history');
  return outputs;
}

export function outputsTooLarge(size: number, limit: number, what: string): PermanentError {
  return new PermanentError(`outputs are ${size} bytes, over the ${limit}-byte limit for ${what}: write large data to the artifact store and return its reference`);
}

export interface KindCall {
  store: ArtifactStore;
  runId: string;
  itemIndex?: number;
  budget?: number;
  /** A forEach item's parts of its context, from its batch (see ItemParts). */
  item?: ItemParts;
  /** Builds the call's context; by default callContext. */
  makeContext?: (opts: ContextOptions, item?: ItemParts) => CallContext;
  /** Heartbeat on the step's behalf at this timeout's pace; none when absent (a batch beats for its items). */
  heartbeatTimeoutMs?: number;
  /** Receives what a call that then failed had spent (an answer paid for but unusable), so it is still counted. */
  spentOnFailure?: Usage;
}

/**
 * Runs a kind on resolved inputs: validates them, serves the step cache, runs the kind, checks its
 * outputs. A forEach item's call adds one promise to the kind's own (a batch runs thousands).
 */
export function runKind(kind: StepKind, step: StepRuntime, input: Record<string, unknown>, call: KindCall): Promise<StepResult> {
  const problems = validateAgainst(kind.spec.input, input);
  if (problems.length > 0) {
    return Promise.reject(new InvalidStepInputError(`inputs do not match ${step.uses}: ${problems.join('; ')}. Fix the step's "with:" in the pipeline file.`, { step: step.stepId }));
  }
  if (step.cache && !kind.spec.memoised) return runCached(kind, step, input, call);
  return callKind(kind, step, input, call, undefined);
}

async function runCached(kind: StepKind, step: StepRuntime, input: Record<string, unknown>, call: KindCall): Promise<StepResult> {
  const cacheKey = stepCacheKey(cacheKeyOf(step, input, await kind.run.codeHash?.()));
  if (!step.refresh) {
    const hit = await readJsonIfExists<StepResult>(call.store, cacheKey);
    // Paid for by an earlier run: nothing is spent now.
    if (hit) return { outputs: checkSize(hit.outputs, call.itemIndex), cached: true };
  }
  return callKind(kind, step, input, call, cacheKey);
}

function callKind(kind: StepKind, step: StepRuntime, input: Record<string, unknown>, call: KindCall, cacheKey: string | undefined): Promise<StepResult> {
  const { store, runId, itemIndex, budget } = call;
  // Optional fields are assigned, not spread in: this runs for every forEach item.
  const options: ContextOptions = { runId, stepId: step.stepId, store, cache: step.cache };
  if (itemIndex !== undefined) options.itemIndex = itemIndex;
  if (budget !== undefined) options.budgetRemainingUsd = budget;
  const made = (call.makeContext ?? callContext)(options, call.item);
  const { ctx, usage } = made;
  const stopBeating = call.heartbeatTimeoutMs ? keepHeartbeating(ctx, call.heartbeatTimeoutMs) : undefined;
  /** The step's log is kept for the user: an item hands its writing over, a single step waits for it. */
  const keepLog = (): Promise<void> | undefined => {
    if (!made.closeLog || !made.logged?.()) return undefined;
    if (!ctx.afterward) return made.closeLog();
    ctx.afterward(made.closeLog);
    return undefined;
  };
  const fail = (err: unknown): Promise<never> => {
    stopBeating?.();
    ctx.record?.('failed', (err as Error)?.message ?? String(err));
    if (call.spentOnFailure) addUsageTo(call.spentOnFailure, usage);
    const writing = keepLog();
    if (!writing) return Promise.reject(err);
    return writing.then(() => Promise.reject(err));
  };
  let running: Promise<unknown>;
  try {
    // A kind written in plain JavaScript may return its outputs rather than a promise of them.
    running = Promise.resolve(kind.run(input, ctx));
  } catch (err) {
    return fail(err);
  }
  return running.then((returned) => {
    const outputs = (returned ?? {}) as Record<string, unknown>;
    try {
      const outProblems = validateAgainst(kind.spec.output, outputs);
      if (outProblems.length > 0) {
        throw new PermanentError(`${step.uses} returned outputs that do not match its declared schema: ${outProblems.join('; ')} (a bug in the step kind)`);
      }
      checkSize(outputs, itemIndex);
    } catch (err) {
      return fail(err);
    }
    stopBeating?.();
    const result: StepResult = { outputs, usage, cached: false };
    const writing = keepLog();
    if (!cacheKey) return writing ? writing.then(() => result) : result;
    const write = () => writeJson(store, cacheKey, { outputs, usage }, { run: runId, step: step.stepId });
    if (ctx.afterward) {
      ctx.afterward(write);
      return result;
    }
    return (writing ?? Promise.resolve()).then(write).then(() => result);
  }, fail);
}
