import { Context } from '@temporalio/activity';
import { LRUCache } from 'lru-cache';
import { InvalidStepInputError, PermanentError } from '../../core/errors.js';
import { resolveTemplate, type Scope } from '../../core/expressions.js';
import { hashJson } from '../../core/hash.js';
import { readJson, readJsonIfExists, writeJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';
import type { StepKind } from '../define.js';
import { withAutoHeartbeat } from './auto-heartbeat.js';
import { stepContextFromActivity } from './context.js';
import { describeWhere, toActivityFailure } from './failure.js';
import type { ForEachContext, ItemInvocation, SingleInvocation, StepInvocation, StepResult, StepRuntime } from './invocation.js';
import { runKeys, stepCacheKey } from './keys.js';
import { validateAgainst } from './validate.js';

const MAX_OUTPUT_BYTES = 256 * 1024;
const MAX_ITEM_OUTPUT_BYTES = 64 * 1024;

/** Context files and shards are read by every item of a step: keep recent ones in memory. */
const sharedReads = new LRUCache<string, object>({ max: 64 });

async function readShared<T>(store: ArtifactStore, key: string): Promise<T> {
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

/** The cache key of a step's work: its kind, the kind's code version and its resolved inputs. */
export function cacheKeyOf(step: StepRuntime, input: unknown): string {
  return hashJson({ uses: step.uses, version: step.kindVersion, input });
}

async function runKind(kind: StepKind, step: StepRuntime, input: Record<string, unknown>, store: ArtifactStore, runId: string, itemIndex: number | undefined, budget: number | undefined): Promise<StepResult> {
  const problems = validateAgainst(kind.spec.input, input);
  if (problems.length > 0) {
    throw new InvalidStepInputError(`inputs do not match ${step.uses}: ${problems.join('; ')}. Fix the step's "with:" in the pipeline file.`, { step: step.stepId });
  }
  const cacheKey = step.cache ? stepCacheKey(cacheKeyOf(step, input)) : undefined;
  if (cacheKey) {
    const hit = await readJsonIfExists<StepResult>(store, cacheKey);
    // Paid for by an earlier run: nothing is spent now.
    if (hit) return { outputs: hit.outputs, cached: true };
  }
  const { ctx, usage } = stepContextFromActivity({
    runId,
    stepId: step.stepId,
    ...(itemIndex !== undefined ? { itemIndex } : {}),
    store,
    cache: step.cache,
    ...(budget !== undefined ? { budgetRemainingUsd: budget } : {}),
  });
  const beat = withAutoHeartbeat(ctx, Context.current().info.heartbeatTimeoutMs);
  let outputs: Record<string, unknown>;
  try {
    outputs = ((await kind.run(input, beat.ctx)) ?? {}) as Record<string, unknown>;
  } finally {
    beat.stop();
  }
  const outProblems = validateAgainst(kind.spec.output, outputs);
  if (outProblems.length > 0) {
    throw new PermanentError(`${step.uses} returned outputs that do not match its declared schema: ${outProblems.join('; ')} (a bug in the step kind)`);
  }
  const size = Buffer.byteLength(JSON.stringify(outputs));
  if (size > MAX_OUTPUT_BYTES) {
    throw new PermanentError(`outputs are ${size} bytes, over the ${MAX_OUTPUT_BYTES}-byte limit for workflow history: write large data to the artifact store and return its reference`);
  }
  const result: StepResult = { outputs, usage, cached: false };
  if (cacheKey) await writeJson(store, cacheKey, { outputs, usage }, { run: runId, step: step.stepId });
  return result;
}

async function runSingle(kind: StepKind, inv: SingleInvocation, store: ArtifactStore): Promise<StepResult> {
  const recordKey = runKeys.stepResult(inv.run.runId, inv.step.stepId);
  // An earlier attempt of this run finished but its completion was lost: never do the work twice.
  const done = await readJsonIfExists<StepResult>(store, recordKey);
  if (done) return { ...done, cached: true };
  const input = resolveInputs(inv.step, inv.scope);
  const result = await runKind(kind, inv.step, input, store, inv.run.runId, undefined, inv.budgetRemainingUsd);
  await writeJson(store, recordKey, result, { run: inv.run.runId, step: inv.step.stepId });
  return result;
}

async function runItem(kind: StepKind, inv: ItemInvocation, store: ArtifactStore): Promise<StepResult> {
  const context = await readShared<ForEachContext>(store, inv.context);
  const { run, step } = context;
  const shard = await readShared<{ start: number; items: unknown[] }>(store, inv.shard);
  const item = shard.items[inv.index - shard.start];
  const scope: Scope = { ...context.scope, item, index: inv.index };
  try {
    const input = resolveInputs(step, scope, inv.index);
    const result = await runKind(kind, step, input, store, run.runId, inv.index, inv.budgetRemainingUsd);
    // Item outputs travel back to the shard workflow, which records them in batches.
    const size = Buffer.byteLength(JSON.stringify(result.outputs));
    if (size > MAX_ITEM_OUTPUT_BYTES) {
      throw new PermanentError(`outputs are ${size} bytes, over the ${MAX_ITEM_OUTPUT_BYTES}-byte limit for one forEach item: write large data to the artifact store and return its reference`);
    }
    return result;
  } catch (err) {
    throw toActivityFailure(err, { stepId: step.stepId, uses: step.uses, itemIndex: inv.index }, Context.current().cancellationSignal);
  }
}

/** The activity body shared by every step kind: resolve, validate, memoise, run, record. */
export async function executeStep(kind: StepKind, inv: StepInvocation, store: ArtifactStore): Promise<StepResult> {
  switch (inv.mode) {
    case 'single':
      try {
        return await runSingle(kind, inv, store);
      } catch (err) {
        throw toActivityFailure(err, { stepId: inv.step.stepId, uses: inv.step.uses }, Context.current().cancellationSignal);
      }
    case 'item':
      return runItem(kind, inv, store);
    default: {
      const never: never = inv;
      throw new Error(`unknown invocation ${JSON.stringify(never)}`);
    }
  }
}
