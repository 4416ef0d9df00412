/**
 * The interpreter: executes a compiled plan as a DAG. Steps start as soon as their dependencies
 * finish, up to the plan's parallelism (engine/scheduling.ts decides); `if` skips a step (and its
 * dependents); a failed step fails its dependents unless it has `continueOnError`. What a step
 * does is in its own module: single-step.ts, foreach-step.ts (batches), sub-pipelines.ts; budgets
 * are in run-budgets.ts, the run's end in run-end.ts.
 */
import * as wf from '@temporalio/workflow';
import { describeFailure, unwrapFailure } from '../engine/failure.js';
import type { PreparedRun, RunChecked } from '../engine/invocation.js';
import type { PlanStep, RunInput } from '../engine/plan.js';
import type { RunProgress, RunSummary, StepProgress } from '../engine/progress.js';
import { decide, failingSteps } from '../engine/scheduling.js';
import { runForEachStep } from './foreach-step.js';
import { announceRunEnd } from './run-end.js';
import { runScope, scopeFor, startRun, type Run } from './run.js';
import { runSingleStep } from './single-step.js';
import { runPipelineStep } from './sub-pipelines.js';

export const progressQuery = wf.defineQuery<RunProgress>('progress');

/** Runs one step to its end state; a failure is recorded on the step, only cancellation propagates. */
async function runStep(run: Run, step: PlanStep): Promise<void> {
  const p = run.byId.get(step.id)!;
  p.state = 'running';
  p.startedAt = new Date().toISOString();
  try {
    if (step.if !== undefined && !(await run.local['repairity.evaluate']({ expression: step.if, scope: scopeFor(run, step) }))) {
      p.state = 'skipped';
      p.reason = `condition is false: ${step.if}`;
      return;
    }
    if (step.type === 'pipeline') await runPipelineStep(run, step, p);
    else if (step.forEach) await runForEachStep(run, { ...step, forEach: step.forEach }, p);
    else await runSingleStep(run, step, p);
    if (p.state === 'running') p.state = 'succeeded';
  } catch (err) {
    if (wf.isCancellation(err) || wf.CancellationScope.current().consideredCancelled) {
      p.state = 'cancelled';
      throw err;
    }
    const failure = unwrapFailure(err);
    p.state = 'failed';
    p.error = failure.message;
    if (failure.type !== undefined) p.errorType = failure.type;
  } finally {
    run.budgets.end(step.id);
    p.endedAt = new Date().toISOString();
    run.budgets.showSpend();
  }
}

/** Settles the steps that cannot run and starts those that may (engine/scheduling.ts decides), until neither is left. */
function startReady(run: Run, pending: Set<string>, running: () => number, start: (step: PlanStep) => void): void {
  for (let d = decide(run.plan, pending, running(), run.byId); d.start.length + d.settle.length > 0; d = decide(run.plan, pending, running(), run.byId)) {
    for (const { step, readiness: r } of d.settle) {
      const p = run.byId.get(step.id)!;
      p.state = r.state;
      if (r.state === 'failed') p.error = r.error;
      else p.reason = r.reason;
      pending.delete(step.id);
    }
    // Steps that start together are all registered as spenders before any of them takes a share.
    for (const step of d.start) run.budgets.register(step);
    for (const step of d.start) {
      pending.delete(step.id);
      start(step);
    }
  }
}

/**
 * Starts every step as soon as it may, and again each time one ends; settles once none is pending
 * or running. Callbacks rather than a loop over Promise.race: each promise made in workflow code
 * costs the SDK a stack trace. Cancellation (the only error a step throws) starts no further step
 * and rejects once the running ones have stopped.
 */
function runSteps(run: Run): Promise<void> {
  return new Promise((resolve, reject) => {
    const pending = new Set(run.plan.steps.map((s) => s.id));
    let running = 0;
    let stopped: { err: unknown } | undefined;
    const advance = (): void => {
      if (!stopped) {
        startReady(run, pending, () => running, (step) => {
          running++;
          runStep(run, step).then(ended, (err: unknown) => {
            stopped ??= { err };
            ended();
          });
        });
      }
      if (running > 0) return;
      if (stopped) reject(stopped.err);
      else resolve();
    };
    const ended = (): void => {
      running--;
      advance();
    };
    advance();
  });
}

/**
 * runSteps as runs started before patch short-first-task have it: its promises take other turns,
 * so a step could issue its first command before or after another's, and their histories replay
 * only through it.
 */
async function runStepsLooping(run: Run): Promise<void> {
  const running = new Map<string, Promise<void>>();
  const pending = new Set(run.plan.steps.map((s) => s.id));
  try {
    for (;;) {
      startReady(run, pending, () => running.size, (step) => running.set(step.id, runStep(run, step).finally(() => running.delete(step.id))));
      if (running.size === 0) return;
      await Promise.race(running.values());
    }
  } catch (err) {
    // Ends the run as cancelled (not failed) once every running step has stopped.
    if (wf.isCancellation(err)) await Promise.allSettled(running.values());
    throw err;
  }
}

export async function runPipeline(input: RunInput): Promise<RunSummary> {
  const starting = startRun(input);
  const run = starting instanceof Promise ? await starting : starting;
  const { plan } = run;
  let state: RunProgress['state'] = 'running';
  wf.setHandler(progressQuery, () => ({ pipeline: plan.name, planHash: plan.hash, state, steps: run.steps, usage: run.usage, startedAt: run.startedAt }));
  const ending = { plan, run: run.id, params: run.params, startedAt: run.startedAt, steps: run.steps, usage: run.usage, outputs: run.outputs };
  // Whether the run's end is announced (the worker's preparation says); one whose preparation
  // failed announces nothing, as one that failed before its first step.
  const announces = (prepared: PreparedRun | RunChecked | undefined): boolean => prepared !== undefined && prepared.announceEnd !== false;
  try {
    // A preparation that fails (params a client bound wrongly) fails the run as soon as it does;
    // one not asked by the end of the steps is asked then.
    await Promise.all([run.preparation.settled, (run.shortFirstTask ? runSteps(run) : runStepsLooping(run)).then(() => void run.preparation.ask())]);
  } catch (err) {
    if (wf.isCancellation(err)) {
      state = 'cancelled';
      throw new wf.CancelledFailure(`pipeline "${plan.name}" was cancelled`);
    }
    state = 'failed';
    if (announces(await run.preparation.ask().catch(() => undefined))) await announceRunEnd({ ...ending, state: 'failed', error: describeFailure(err) });
    throw err;
  }
  // Settled, since the steps' end asked it: no promise to await.
  const announce = announces(run.preparation.result);
  const failed: StepProgress[] = failingSteps(plan, run.steps);
  if (failed.length > 0) {
    state = 'failed';
    const message = `pipeline "${plan.name}" failed: ${failed.map((p) => `step "${p.id}": ${p.error ?? 'failed'}`).join('; ')}`;
    const notes = announce ? await announceRunEnd({ ...ending, state: 'failed', error: message }) : [];
    throw wf.ApplicationFailure.nonRetryable(message, 'PipelineFailed', { steps: run.steps, ...(notes.length > 0 ? { notes } : {}) });
  }
  const outputs = Object.keys(plan.outputs).length === 0 ? {} : ((await run.local['repairity.resolve']({ template: plan.outputs, scope: runScope(run) })) as Record<string, unknown>);
  const notes = announce ? await announceRunEnd({ ...ending, state: 'succeeded' }) : [];
  state = 'succeeded';
  return { pipeline: plan.name, runId: run.id.runId, state: 'succeeded', outputs, steps: run.steps, usage: run.usage, ...(notes.length > 0 ? { notes } : {}) };
}
