/** An activity step without `forEach`: one activity of its kind, with its share of any budget. */
import * as wf from '@temporalio/workflow';
import { BUDGET_EXCEEDED, usageOfFailure } from '../engine/failure.js';
import type { StepInvocation, StepResult } from '../engine/invocation.js';
import type { ActivityStep } from '../engine/plan.js';
import type { StepProgress } from '../engine/progress.js';
import { planActivityOptions, toTemporalOptions } from './activity-options.js';
import { waitingForBudget } from './run-budgets.js';
import { account, runtimeOf, scopeFor, stepFailed, type Run } from './run.js';

export async function runSingleStep(run: Run, step: ActivityStep, p: StepProgress): Promise<void> {
  const acts = wf.proxyActivities<Record<string, (inv: StepInvocation) => Promise<StepResult>>>(toTemporalOptions(planActivityOptions(step, run.info.taskQueue)));
  const group = run.budgets.group(step.id);
  const left = group ? await group.take(waitingForBudget(p)) : undefined;
  if (left !== undefined && left <= 0) throw stepFailed(`budget spent: no new calls (limit reached before the step started)`, BUDGET_EXCEEDED);
  let r: StepResult;
  try {
    r = await acts[step.uses]!({ mode: 'single', run: run.id, step: runtimeOf(run, step), scope: scopeFor(run, step), ...(left !== undefined ? { budgetRemainingUsd: left } : {}) });
  } catch (err) {
    // Answers paid for but unusable still count.
    account(run, p, usageOfFailure(err));
    throw err;
  } finally {
    if (group && left !== undefined) group.giveBack(left, false);
  }
  account(run, p, r.usage);
  run.outputs.set(step.id, r.outputs);
  if (r.cached) p.state = 'cached';
}
