/**
 * The run's scheduling decisions, pure: which pending steps start now, and which settle without
 * running because a dependency failed or was skipped. The workflow (workflows/pipeline.ts) runs
 * what this decides.
 */
import type { Plan, PlanStep } from './plan.js';
import type { StepProgress, StepState } from './progress.js';

/** A pending step's fate from its dependencies. */
export type Readiness = { kind: 'ready' } | { kind: 'wait' } | { kind: 'settled'; state: 'failed'; error: string } | { kind: 'settled'; state: 'skipped'; reason: string };

/**
 * Whether a step may run: it waits while a dependency runs, fails when one failed (without
 * `continueOnError`), and is skipped when one was skipped (unless `skippedNeeds: run`).
 */
export function readiness(step: PlanStep, stateOf: (id: string) => StepState, continuesOnError: (id: string) => boolean): Readiness {
  for (const need of step.needs) {
    const state = stateOf(need);
    if (state === 'pending' || state === 'running') return { kind: 'wait' };
    if (state === 'failed' && !continuesOnError(need)) return { kind: 'settled', state: 'failed', error: `not run: step "${need}" failed` };
    if (state === 'skipped' && step.skippedNeeds !== 'run') return { kind: 'settled', state: 'skipped', reason: `step "${need}" was skipped` };
  }
  return { kind: 'ready' };
}

/** What to do with the pending steps now: start some, settle others. */
export interface Decision {
  start: PlanStep[];
  settle: { step: PlanStep; readiness: Extract<Readiness, { kind: 'settled' }> }[];
}

/**
 * The pending steps to start (in plan order, while fewer than `plan.parallelism` run) and those to
 * settle. Steps that start in one decision start together (they take budget shares together); the
 * run asks again whenever a step ends.
 */
export function decide(plan: Plan, pending: ReadonlySet<string>, running: number, byId: ReadonlyMap<string, StepProgress>): Decision {
  const continuesOnError = (id: string): boolean => plan.steps.find((s) => s.id === id)?.continueOnError === true;
  const decision: Decision = { start: [], settle: [] };
  // A step settled in this pass decides the fate of later steps that need it in the same pass.
  const settled = new Map<string, StepState>();
  for (const step of plan.steps) {
    if (!pending.has(step.id) || running + decision.start.length >= plan.parallelism) continue;
    const r = readiness(step, (id) => settled.get(id) ?? byId.get(id)!.state, continuesOnError);
    if (r.kind === 'ready') decision.start.push(step);
    else if (r.kind === 'settled') {
      decision.settle.push({ step, readiness: r });
      settled.set(step.id, r.state);
    }
  }
  return decision;
}

/** The steps whose failure fails the run: failed, without `continueOnError`. */
export function failingSteps(plan: Plan, progress: readonly StepProgress[]): StepProgress[] {
  return progress.filter((p) => p.state === 'failed' && !plan.steps.find((s) => s.id === p.id)!.continueOnError);
}
