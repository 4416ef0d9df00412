/**
 * The activities the interpreter workflow calls: the engine's own (prepare a run, expand and
 * collect fan-outs, evaluate conditions and outputs), local activities of the workflow worker, and
 * one activity per step kind, named by its `uses` so the Temporal UI shows what runs, served on
 * the kind's task queue.
 */
import { isBoundRun, type Plan, type RunInput, type Template } from '../../engine/plan.js';
import { evaluateExpression, isTruthy, resolveTemplate, type Scope } from '../../core/expressions.js';
import type { ArtifactStore } from '../../store/types.js';
import type { StepKind } from '../../engine/kind.js';
import { collectForEach, expandForEach, writeBatchRecords, type CollectInput, type ExpandInput } from './foreach.js';
import type { BatchRecords, ForEachExpansion, PreparedRun, RunChecked, StepInvocation, StepResult } from '../../engine/invocation.js';
import { Context } from '@temporalio/activity';
import type { ItemSlots } from './item-slots.js';
import { executeStep } from './run-step.js';
import { toEngineFailure } from './failure.js';
import { countStep } from '../telemetry/metrics.js';
import { runEnded, type RunEndSettings } from '../run-end/index.js';
import type { RunEndInput, RunEndResult } from '../run-end/types.js';

export interface EngineActivityOptions {
  store: ArtifactStore;
  kinds: ReadonlyMap<string, StepKind>;
  /** Loads, compiles and binds a pipeline named by path (UI starts); see worker/prepare-run.ts. */
  preparePipeline(pipeline: string, params: Record<string, unknown>): Promise<PreparedRun>;
  /** Binds params to an already compiled plan. */
  bindParams(plan: Plan, params: Record<string, unknown>): Record<string, unknown>;
  /** This worker's limit on forEach items run at once, by task queue name. */
  itemSlots?: ReadonlyMap<string, ItemSlots>;
  /** Whether a forEach step's batches in this worker lend each other idle runners (default true). */
  lendRunners?: boolean;
  /** Notifications and experiment tracking at a run's end; default: literal webhooks only, no tracking. */
  runEnd?: RunEndSettings;
}

export function createEngineActivities(opts: EngineActivityOptions) {
  const { store } = opts;
  const engine = {
    /** Binds the run's params (compiling its pipeline when named by path); a bound run (isBoundRun) gets only what it lacks. */
    async 'repairity.prepareRun'(input: RunInput): Promise<PreparedRun | RunChecked> {
      const prepared = 'plan' in input ? { plan: input.plan, params: opts.bindParams(input.plan, input.params ?? {}) } : await opts.preparePipeline(input.pipeline, input.params ?? {});
      const notifies = Object.keys(prepared.plan.notify ?? {}).length > 0;
      const announceEnd = notifies || opts.runEnd?.tracking !== undefined;
      return isBoundRun(input) ? { announceEnd } : { ...prepared, announceEnd };
    },
    async 'repairity.evaluate'(input: { expression: string; scope: Scope }): Promise<boolean> {
      return isTruthy(evaluateExpression(input.expression, input.scope));
    },
    async 'repairity.resolve'(input: { template: Template; scope: Scope }): Promise<unknown> {
      return resolveTemplate(input.template, input.scope);
    },
    async 'repairity.expandForEach'(input: ExpandInput): Promise<ForEachExpansion & { cacheKey?: string }> {
      const expansion = await expandForEach(store, input, await opts.kinds.get(input.step.uses)?.run.codeHash?.());
      if (Context.current().info.attempt === 1) countStep(input.step.uses, 'started');
      if (expansion.cachedOutputs) countStep(input.step.uses, 'succeeded');
      return expansion;
    },
    async 'repairity.writeRecords'(input: BatchRecords): Promise<void> {
      await writeBatchRecords(store, input);
    },
    async 'repairity.runEnded'(input: RunEndInput): Promise<RunEndResult> {
      return runEnded(opts.runEnd ?? { env: {} }, store, input);
    },
    async 'repairity.collectForEach'(input: CollectInput) {
      const outputs = await collectForEach(store, input);
      if (input.uses && input.countStarted && Context.current().info.attempt === 1) countStep(input.uses, 'started');
      if (input.uses) countStep(input.uses, outputs.failed === 0 ? 'succeeded' : 'failed');
      return outputs;
    },
  };
  return withEngineFailures(engine);
}

/** Each activity's errors as toEngineFailure gives them. */
function withEngineFailures<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, run] of Object.entries(activities)) {
    wrapped[name] = (input) =>
      run(input).catch((err: unknown) => {
        throw toEngineFailure(err);
      });
  }
  return wrapped as T;
}

export type EngineActivities = ReturnType<typeof createEngineActivities>;

/** One activity per step kind, named by its `uses`. */
export function createStepActivities(opts: Pick<EngineActivityOptions, 'store' | 'kinds' | 'itemSlots' | 'lendRunners'>): Record<string, (inv: StepInvocation) => Promise<StepResult>> {
  const steps: Record<string, (inv: StepInvocation) => Promise<StepResult>> = {};
  const slotsOf = (): ItemSlots | undefined => opts.itemSlots?.get(Context.current().info.taskQueue);
  for (const [name, kind] of opts.kinds) steps[name] = (inv) => executeStep(kind, inv, opts.store, inv.mode === 'batch' ? slotsOf() : undefined, opts.lendRunners);
  return steps;
}
