/**
 * What every part of a run shares: its identity, plan and params, the engine's local activities,
 * the steps' progress and outputs, and the usage accounting. Built once by `startRun`.
 */
import * as wf from '@temporalio/workflow';
import type { EngineActivities } from '../activities/runtime/engine-activities.js';
import type { RunIdentity, StepRuntime, StepScope } from '../engine/invocation.js';
import { isBoundRun, type ActivityStep, type Plan, type PlanStep, type RunInput } from '../engine/plan.js';
import type { StepProgress } from '../engine/progress.js';
import { addUsageTo, zeroUsage, type Usage } from '../engine/usage.js';
import { patched } from './patches.js';
import { Preparation } from './preparation.js';
import { RunBudgets } from './run-budgets.js';

const engineOptions = { startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' } } as const;

export interface Run {
  info: wf.WorkflowInfo;
  input: RunInput;
  id: RunIdentity;
  plan: Plan;
  params: Record<string, unknown>;
  startedAt: string;
  /** The engine's preparation of the run: see preparation.ts. A failure fails the run. */
  preparation: Preparation;
  /** The engine's own activities (prepare, expand, collect), local activities of the workflow worker. */
  engine: EngineActivities;
  /** Its quick ones (evaluate, resolve, write records). */
  local: EngineActivities;
  steps: StepProgress[];
  byId: ReadonlyMap<string, StepProgress>;
  outputs: Map<string, Record<string, unknown>>;
  usage: Usage;
  budgets: RunBudgets;
  /**
   * Whether the run started after patch short-first-task (patches.ts): it cuts small literal
   * forEach lists itself (foreach-step.ts), a bound run asks its preparation late
   * (preparation.ts), and its steps and batches are awaited without the older async frames.
   */
  shortFirstTask: boolean;
}

/**
 * Starts a run. A client that compiled the plan bound its params (compiler's bindParams): such a
 * run (isBoundRun) starts at once, and asks the worker's preparation, which only says whether the
 * run's end is announced, with its first local activity (preparation.ts); any other waits for the
 * worker to compile and bind it.
 */
export function startRun(input: RunInput): Run | Promise<Run> {
  const info = wf.workflowInfo();
  // Before any local activity is scheduled, so the patch's marker comes first in the run's history.
  const short = patched('short-first-task');
  const engine = wf.proxyLocalActivities<EngineActivities>(engineOptions);
  const preparation = new Preparation(() => engine['repairity.prepareRun'](input));
  const local = wf.proxyLocalActivities<EngineActivities>({ startToCloseTimeout: '1 minute' });
  // `askLate`: the preparation is asked with the run's first local activity (a bound run's, after the patch).
  const begin = (plan: Plan, params: Record<string, unknown>, askLate: boolean): Run => {
    const steps: StepProgress[] = plan.steps.map((s) => ({ id: s.id, uses: s.type === 'activity' ? s.uses : 'pipeline', state: 'pending', usage: zeroUsage() }));
    const byId = new Map(steps.map((p) => [p.id, p]));
    const usage = zeroUsage();
    const id: RunIdentity = { runId: `${info.workflowId}@${info.firstExecutionRunId}`, planHash: plan.hash };
    const budgets = new RunBudgets(plan, input, usage, byId);
    const asking = (acts: EngineActivities) => (askLate ? preparation.askingFirst(acts) : acts);
    return { info, input, id, plan, params, preparation, startedAt: new Date().toISOString(), engine: asking(engine), local: asking(local), steps, byId, outputs: new Map(), usage, budgets, shortFirstTask: short };
  };
  if (isBoundRun(input)) {
    if (!short) void preparation.ask();
    return begin(input.plan, input.params, short);
  }
  return preparation.ask().then((prepared) => {
    if (!('plan' in prepared)) throw wf.ApplicationFailure.nonRetryable('the worker prepared the run without its plan: it runs an older Repairity; upgrade it', 'WorkerTooOld');
    return begin(prepared.plan, prepared.params, false);
  });
}

/** The outputs of a step's dependencies and the run's params, which its expressions read. */
export function scopeFor(run: Run, step: PlanStep): StepScope {
  return { params: run.params, steps: Object.fromEntries(step.needs.filter((n) => run.outputs.has(n)).map((n) => [n, { outputs: run.outputs.get(n)! }])) };
}

/** Every finished step's outputs: the scope of the run's own `outputs:`. */
export function runScope(run: Run): StepScope {
  return { params: run.params, steps: Object.fromEntries([...run.outputs].map(([k, v]) => [k, { outputs: v }])) };
}

/** Adds what a step spent to the step and to the run. */
export function account(run: Run, p: StepProgress, usage: Usage | undefined): void {
  addUsageTo(p.usage, usage);
  addUsageTo(run.usage, usage);
}

/** What an activity needs to run a step (or any item of it). */
export function runtimeOf(run: Run, step: ActivityStep): StepRuntime {
  return {
    stepId: step.id,
    uses: step.uses,
    kindVersion: step.kindVersion,
    with: step.with,
    cache: step.cache,
    maximumAttempts: step.retry.maximumAttempts,
    ...(run.input.force?.includes(step.id) ? { refresh: true } : {}),
  };
}

/** A step's own failure (not an activity's): `type` says what kind, e.g. BudgetExceeded. */
export function stepFailed(message: string, type?: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ message, nonRetryable: true, ...(type !== undefined ? { type } : {}) });
}
