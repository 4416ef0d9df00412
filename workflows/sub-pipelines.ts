/**
 * A pipeline step: another plan run as a child workflow, once, or once per item of its `forEach`
 * (`concurrency` at a time), each run with its share of any budget.
 */
import * as wf from '@temporalio/workflow';
import { hasOwnBudget } from '../engine/budget.js';
import { BUDGET_EXCEEDED, describeFailure, failedForBudget, usageOfFailure } from '../engine/failure.js';
import type { BatchRef } from '../engine/fanout.js';
import type { ItemRecord, StepScope } from '../engine/invocation.js';
import type { PipelineStep, RunInput } from '../engine/plan.js';
import type { RunSummary, StepProgress } from '../engine/progress.js';
import { waitingForBudget } from './run-budgets.js';
import { account, scopeFor, stepFailed, type Run } from './run.js';

/**
 * One sub-pipeline run; with a budget, it may spend only its share (and what it spent is counted
 * even if it fails). A run that spent its share and stopped for want of budget runs again (as
 * `<id>/resume-<n>`) with a new share once budget is free, e.g. what a sibling did not use: its
 * answers are memoised, so nothing it paid for is paid again. Not a child file with budgets of its
 * own: a new run would start them afresh.
 */
async function runChild(run: Run, step: PipelineStep, p: StepProgress, workflowId: string, scope: StepScope & { item?: unknown; index?: number }, asksAgain: boolean): Promise<RunSummary> {
  const group = run.budgets.group(step.id);
  const params = (await run.local['repairity.resolve']({ template: step.with, scope })) as Record<string, unknown>;
  let outOfBudget: unknown;
  for (let resumes = 0; ; resumes++) {
    const share = group ? await group.take(waitingForBudget(p)) : undefined;
    if (share !== undefined && share <= 0) {
      if (outOfBudget !== undefined) throw outOfBudget;
      throw stepFailed(`budget spent: sub-pipeline run ${workflowId} was not started`, BUDGET_EXCEEDED);
    }
    let again = false;
    try {
      const input: RunInput = { plan: step.plan, params, ...(share !== undefined ? { budgetCapUsd: share } : {}) };
      const r = await wf.executeChild<(input: RunInput) => Promise<RunSummary>>('runPipeline', { workflowId: resumes === 0 ? workflowId : `${workflowId}/resume-${resumes}`, taskQueue: run.info.taskQueue, args: [input] });
      account(run, p, r.usage);
      return r;
    } catch (err) {
      const spent = usageOfFailure(err);
      account(run, p, spent);
      // Only a run that got somewhere: one that spent nothing would stop at the same place.
      again = share !== undefined && !hasOwnBudget(step.plan) && spent.costUsd > 0 && err instanceof wf.ChildWorkflowFailure && failedForBudget(err);
      if (!again) throw err;
      outOfBudget = err;
    } finally {
      if (share !== undefined) group?.giveBack(share, asksAgain || again);
    }
  }
}

export async function runPipelineStep(run: Run, step: PipelineStep, p: StepProgress): Promise<void> {
  const scope = scopeFor(run, step);
  if (!step.forEach) {
    run.outputs.set(step.id, (await runChild(run, step, p, `${run.info.workflowId}/${step.id}`, scope, false)).outputs);
    return;
  }
  // A fan-out of sub-pipelines (variants, ablations): one child run per item, `concurrency` at a time.
  const items = await run.local['repairity.resolve']({ template: step.forEach.items, scope });
  if (!Array.isArray(items)) throw stepFailed(`forEach of a pipeline step must give a list (a JSONL dataset is for activity steps), got ${JSON.stringify(items).slice(0, 100)}`);
  const counts = (p.items = { total: items.length, succeeded: 0, failed: 0, cached: 0 });
  const group = run.budgets.group(step.id);
  const records: ItemRecord[] = [];
  let next = 0;
  let stop = false;
  const runner = async (): Promise<void> => {
    while (!stop && next < items.length) {
      const index = next++;
      try {
        const r = await runChild(run, step, p, `${run.info.workflowId}/${step.id}/${index}`, { ...scope, item: items[index], index }, true);
        records.push({ index, status: 'succeeded', outputs: r.outputs });
        counts.succeeded++;
      } catch (err) {
        if (wf.isCancellation(err)) throw err;
        records.push({ index, status: 'failed', error: { type: 'PipelineFailed', message: describeFailure(err) } });
        counts.failed++;
        if (!step.continueOnError) stop = true;
      }
    }
    group?.forget(1);
  };
  const runners = Math.max(1, Math.min(step.forEach.concurrency, items.length));
  group?.forget(step.forEach.concurrency - runners);
  await Promise.all(Array.from({ length: runners }, runner));
  // The runs' records, as one batch of the step's items.
  const batch: BatchRef = { start: 0, count: items.length };
  await run.local['repairity.writeRecords']({ run: run.id, stepId: step.id, batch, records: records.sort((a, b) => a.index - b.index) });
  run.outputs.set(step.id, await run.engine['repairity.collectForEach']({ run: run.id, stepId: step.id, count: items.length, batches: [batch] }));
  if (counts.failed > 0) {
    const first = records.filter((r) => r.status === 'failed').slice(0, 3).map((r) => `item ${r.index}: ${r.error?.message}`).join('; ');
    const msg = `${counts.failed} of ${items.length} sub-pipeline runs failed (${first})`;
    if (!step.continueOnError) throw stepFailed(msg);
    p.reason = msg;
  }
}
