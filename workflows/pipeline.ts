/**
 * The interpreter: executes a compiled plan as a DAG. Steps start as soon as their
 * dependencies finish, up to the plan's parallelism; `if` skips (and skips dependents);
 * `forEach` fans out through chunk activities; a failed step fails its dependents
 * unless it has `continueOnError`.
 */
import * as wf from '@temporalio/workflow';
import type { EngineActivities } from '../activities/runtime/engine-activities.js';
import type { ItemRecord, RunIdentity, StepInvocation, StepResult, StepRuntime, StepScope } from '../engine/invocation.js';
import { batchWindow, batchesAtOnce, type BatchRef, type BatchResult } from '../engine/fanout.js';
import { BUDGET_EXCEEDED, describeFailure, failedForBudget, unwrapFailure, usageOfFailure } from '../engine/failure.js';
import type { ActivityStep, Plan, PlanStep, RunInput } from '../engine/plan.js';
import { planActivityOptions, toTemporalOptions } from './activity-options.js';
import { BudgetLedger, SpenderGroup } from '../engine/budget.js';
import { runBatchActivity } from './batch-activity.js';
import { announceRunEnd } from './run-end.js';
import { RUN_ATTRIBUTES } from './search-attributes.js';
import type { RunProgress, RunSummary, StepProgress } from '../engine/progress.js';
import { addUsageTo, usageSince, zeroUsage } from '../engine/usage.js';

export const progressQuery = wf.defineQuery<RunProgress>('progress');

const engineOptions = { startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' } } as const;

/** Whether a step can spend a budget: a paying kind, or a sub-pipeline with one somewhere inside. */
function spends(step: PlanStep): boolean {
  return step.type === 'activity' ? step.spends === true : step.plan.steps.some(spends);
}

/** What a batch that could not start for want of budget reports. */
function budgetSpentResult(): BatchResult {
  return { succeeded: 0, failed: 0, cached: 0, usage: zeroUsage(), failures: [], budgetExhausted: true };
}

/** A step's own failure (not an activity's): `type` says what kind, e.g. BudgetExceeded. */
function stepFailed(message: string, type?: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ message, nonRetryable: true, ...(type !== undefined ? { type } : {}) });
}

/** Whether a plan (or one it runs) sets a budget of its own: those count per run, so its runs are not resumed. */
function hasOwnBudget(plan: Plan): boolean {
  return plan.budgetUsd !== undefined || plan.steps.some((s) => (s.type === 'activity' ? s.budgetUsd !== undefined : hasOwnBudget(s.plan)));
}

export async function runPipeline(input: RunInput): Promise<RunSummary> {
  const info = wf.workflowInfo();
  // The engine's own short activities run in the workflow worker: no task queue round trip.
  const engine = wf.proxyLocalActivities<EngineActivities>(engineOptions);
  const local = wf.proxyLocalActivities<EngineActivities>({ startToCloseTimeout: '1 minute' });

  const { plan, params } = await engine['repairity.prepareRun'](input);
  const run: RunIdentity = { runId: `${info.workflowId}@${info.firstExecutionRunId}`, planHash: plan.hash };
  const startedAt = new Date().toISOString();
  const progress: StepProgress[] = plan.steps.map((s) => ({ id: s.id, uses: s.type === 'activity' ? s.uses : 'pipeline', state: 'pending', usage: zeroUsage() }));
  const byId = new Map(progress.map((p) => [p.id, p]));
  const runUsage = zeroUsage();
  let runState: RunProgress['state'] = 'running';
  wf.setHandler(progressQuery, () => ({ pipeline: plan.name, planHash: plan.hash, state: runState, steps: progress, usage: runUsage, startedAt }));

  const outputs = new Map<string, Record<string, unknown>>();
  const scopeFor = (step: PlanStep): StepScope => ({
    params,
    steps: Object.fromEntries(step.needs.filter((n) => outputs.has(n)).map((n) => [n, { outputs: outputs.get(n)! }])),
  });
  // Budgets: every step that can spend takes shares of the run's (and its own) budget, so steps,
  // batches and sub-pipelines running at once split what is free between them.
  const runLimit = [plan.budgetUsd, input.budgetCapUsd].filter((v): v is number => v !== undefined);
  const runLedger = runLimit.length > 0 ? new BudgetLedger(Math.min(...runLimit), () => runUsage.costUsd) : undefined;
  const spenders = new Map<string, SpenderGroup>();
  /** Registers a step's spenders before any step started with it takes a share. */
  const registerSpenders = (step: PlanStep): void => {
    if (!spends(step)) return;
    const stepLedger = step.type === 'activity' && step.budgetUsd !== undefined ? new BudgetLedger(step.budgetUsd, () => byId.get(step.id)!.usage.costUsd) : undefined;
    const ledgers = [runLedger, stepLedger].filter((l): l is BudgetLedger => l !== undefined);
    const count = !step.forEach ? 1 : step.type === 'activity' ? batchesAtOnce(step.forEach.concurrency) : step.forEach.concurrency;
    if (ledgers.length > 0) spenders.set(step.id, new SpenderGroup(ledgers, count, (ready) => wf.condition(ready)));
  };
  /** Shown while a step waits for budget that other running spenders hold. */
  const waitingForBudget = (p: StepProgress) => (yes: boolean) => {
    if (yes) p.reason = 'waiting for budget: running steps hold what is left of it';
    else if (p.reason?.startsWith('waiting for budget')) delete p.reason;
  };
  // Only runs started with the pipeline attribute update the spend one: on a namespace where they
  // are not registered, an update would fail every workflow task.
  let spendShown = 0;
  const showSpend = (): void => {
    if (runUsage.costUsd === spendShown || info.typedSearchAttributes.get(RUN_ATTRIBUTES.pipeline) === undefined) return;
    spendShown = runUsage.costUsd;
    wf.upsertSearchAttributes([{ key: RUN_ATTRIBUTES.costUsd, value: spendShown }]);
  };
  const account = (p: StepProgress, usage: StepResult['usage']): void => {
    addUsageTo(p.usage, usage);
    addUsageTo(runUsage, usage);
  };

  const runtimeOf = (step: ActivityStep): StepRuntime => ({
    stepId: step.id,
    uses: step.uses,
    kindVersion: step.kindVersion,
    with: step.with,
    cache: step.cache,
    maximumAttempts: step.retry.maximumAttempts,
    ...(input.force?.includes(step.id) ? { refresh: true } : {}),
  });

  async function runActivityStep(step: ActivityStep, p: StepProgress): Promise<void> {
    const scope = scopeFor(step);
    const options = planActivityOptions(step, info.taskQueue);
    if (!step.forEach) {
      const acts = wf.proxyActivities<Record<string, (inv: StepInvocation) => Promise<StepResult>>>(toTemporalOptions(options));
      const group = spenders.get(step.id);
      const left = group ? await group.take(waitingForBudget(p)) : undefined;
      if (left !== undefined && left <= 0) throw stepFailed(`budget spent: no new calls (limit reached before the step started)`, BUDGET_EXCEEDED);
      let r: StepResult;
      try {
        r = await acts[step.uses]!({ mode: 'single', run, step: runtimeOf(step), scope, ...(left !== undefined ? { budgetRemainingUsd: left } : {}) });
      } catch (err) {
        account(p, usageOfFailure(err));
        throw err;
      } finally {
        if (group && left !== undefined) group.giveBack(left, false);
      }
      account(p, r.usage);
      outputs.set(step.id, r.outputs);
      if (r.cached) p.state = 'cached';
      return;
    }
    const expansion = await engine['repairity.expandForEach']({ run, step: runtimeOf(step), items: step.forEach.items, scope, concurrency: step.forEach.concurrency });
    p.items = { total: expansion.count, succeeded: 0, failed: 0, cached: 0 };
    if (expansion.cachedOutputs) {
      outputs.set(step.id, expansion.cachedOutputs);
      p.items.succeeded = p.items.cached = expansion.count;
      p.state = 'cached';
      return;
    }
    const failures: { index: number; message: string }[] = [];
    let budgetExhausted = false;
    // Several batches at once: their tails overlap, and a high concurrency spreads over workers;
    // their windows add up to the step's concurrency.
    const concurrency = step.forEach.concurrency;
    const atOnce = Math.min(batchesAtOnce(concurrency), expansion.batches.length);
    const group = spenders.get(step.id);
    group?.forget(batchesAtOnce(concurrency) - atOnce);
    let nextBatch = 0;
    let stop = false;
    const add = (r: BatchResult, before?: BatchResult): void => {
      p.items!.succeeded += r.succeeded - (before?.succeeded ?? 0);
      p.items!.failed += r.failed - (before?.failed ?? 0);
      p.items!.cached += r.cached - (before?.cached ?? 0);
      account(p, before ? usageSince(r.usage, before.usage) : r.usage);
    };
    /**
     * One batch. With a budget, a batch gets a share of what no running batch may still spend (the
     * batches spend at once, and the run learns a batch's spending when it ends); a batch that spent
     * its share while budget remains runs again with a new share, picking up where it stopped (its
     * finished items are in the store).
     */
    const runBatch = async (batch: BatchRef, window: number): Promise<BatchResult> => {
      let last: BatchResult | undefined;
      for (;;) {
        let share: number | undefined;
        if (group) {
          share = await group.take(waitingForBudget(p));
          if (share <= 0) return last ?? budgetSpentResult();
        }
        let r: BatchResult;
        try {
          r = await runBatchActivity({ stepId: step.id, uses: step.uses, context: expansion.context, batch, window, failFast: !step.continueOnError, activity: options, ...(share !== undefined ? { budgetRemainingUsd: share, budgetSpentBeforeUsd: last?.usage.costUsd ?? 0 } : {}) });
        } catch (err) {
          group?.giveBack(share ?? 0, true);
          throw err;
        }
        add(r, last);
        // The runner asks again for its next batch (or this one's rest); it stops asking when it ends.
        group?.giveBack(share ?? 0, true);
        const progressed = !last || r.succeeded + r.failed > last.succeeded + last.failed;
        last = r;
        if (!r.budgetExhausted || !progressed || share === undefined || stop) return r;
      }
    };
    const runner = async (slot: number): Promise<void> => {
      const window = batchWindow(concurrency, batchesAtOnce(concurrency), slot);
      while (!stop && nextBatch < expansion.batches.length) {
        const r = await runBatch(expansion.batches[nextBatch++]!, window);
        failures.push(...r.failures);
        if (r.budgetExhausted) budgetExhausted = true;
        if (budgetExhausted || (r.failed > 0 && !step.continueOnError)) stop = true;
      }
      group?.forget(1);
    };
    await Promise.all(Array.from({ length: atOnce }, (_, slot) => runner(slot)));
    const collected = await engine['repairity.collectForEach']({ run, stepId: step.id, uses: step.uses, count: expansion.count, batches: expansion.batches, ...(expansion.cacheKey ? { cacheKey: expansion.cacheKey } : {}) });
    outputs.set(step.id, collected);
    if (budgetExhausted) throw stepFailed(`budget spent after ${p.items.succeeded} of ${expansion.count} items: no new calls were made; the finished items are kept`, BUDGET_EXCEEDED);
    if (failures.length > 0 || p.items.failed > 0) {
      const first = failures.map((f) => `item ${f.index}: ${f.message}`).join('; ');
      const msg = `${p.items.failed} of ${expansion.count} items failed (${first})`;
      if (!step.continueOnError) throw stepFailed(msg);
      p.reason = msg;
    }
  }

  async function runPipelineStep(step: Extract<PlanStep, { type: 'pipeline' }>, p: StepProgress): Promise<void> {
    const scope = scopeFor(step);
    const group = spenders.get(step.id);
    const resumable = !hasOwnBudget(step.plan);
    /**
     * One sub-pipeline run; with a budget, it may spend only its share (and what it spent is counted
     * even if it fails). A run that spent its share and stopped for want of budget runs again (as
     * `<id>/resume-<n>`) with a new share once budget is free, e.g. what a sibling did not use: its
     * answers are memoised, so nothing it paid for is paid again. Not a child file with budgets of
     * its own: a new run would start them afresh.
     */
    const runChild = async (workflowId: string, itemScope: StepScope & { item?: unknown; index?: number }, asksAgain: boolean) => {
      const childParams = (await local['repairity.resolve']({ template: step.with, scope: itemScope })) as Record<string, unknown>;
      let outOfBudget: unknown;
      for (let resumes = 0; ; resumes++) {
        const share = group ? await group.take(waitingForBudget(p)) : undefined;
        if (share !== undefined && share <= 0) {
          if (outOfBudget !== undefined) throw outOfBudget;
          throw stepFailed(`budget spent: sub-pipeline run ${workflowId} was not started`, BUDGET_EXCEEDED);
        }
        let again = false;
        try {
          const id = resumes === 0 ? workflowId : `${workflowId}/resume-${resumes}`;
          const r = await wf.executeChild(runPipeline, { workflowId: id, taskQueue: info.taskQueue, args: [{ plan: step.plan, params: childParams, ...(share !== undefined ? { budgetCapUsd: share } : {}) }] });
          account(p, r.usage);
          return r;
        } catch (err) {
          const spent = usageOfFailure(err);
          account(p, spent);
          // Only a run that got somewhere: one that spent nothing would stop at the same place.
          again = share !== undefined && resumable && spent.costUsd > 0 && err instanceof wf.ChildWorkflowFailure && failedForBudget(err);
          if (!again) throw err;
          outOfBudget = err;
        } finally {
          if (share !== undefined) group?.giveBack(share, asksAgain || again);
        }
      }
    };
    if (!step.forEach) {
      const r = await runChild(`${info.workflowId}/${step.id}`, scope, false);
      outputs.set(step.id, r.outputs);
      return;
    }
    // A fan-out of sub-pipelines (variants, ablations): one child run per item, `concurrency` at a time.
    const items = await local['repairity.resolve']({ template: step.forEach.items, scope });
    if (!Array.isArray(items)) throw stepFailed(`forEach of a pipeline step must give a list (a JSONL dataset is for activity steps), got ${JSON.stringify(items).slice(0, 100)}`);
    p.items = { total: items.length, succeeded: 0, failed: 0, cached: 0 };
    const records: ItemRecord[] = [];
    let next = 0;
    let stop = false;
    const runner = async (): Promise<void> => {
      while (!stop && next < items.length) {
        const index = next++;
        try {
          const r = await runChild(`${info.workflowId}/${step.id}/${index}`, { ...scope, item: items[index], index }, true);
          records.push({ index, status: 'succeeded', outputs: r.outputs });
          p.items!.succeeded++;
        } catch (err) {
          if (wf.isCancellation(err)) throw err;
          records.push({ index, status: 'failed', error: { type: 'PipelineFailed', message: describeFailure(err) } });
          p.items!.failed++;
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
    await local['repairity.writeRecords']({ run, stepId: step.id, batch, records: records.sort((a, b) => a.index - b.index) });
    outputs.set(step.id, await engine['repairity.collectForEach']({ run, stepId: step.id, count: items.length, batches: [batch] }));
    if (p.items.failed > 0) {
      const first = records.filter((r) => r.status === 'failed').slice(0, 3).map((r) => `item ${r.index}: ${r.error?.message}`).join('; ');
      const msg = `${p.items.failed} of ${items.length} sub-pipeline runs failed (${first})`;
      if (!step.continueOnError) throw stepFailed(msg);
      p.reason = msg;
    }
  }

  async function runStep(step: PlanStep): Promise<void> {
    const p = byId.get(step.id)!;
    p.state = 'running';
    p.startedAt = new Date().toISOString();
    try {
      if (step.if !== undefined && !(await local['repairity.evaluate']({ expression: step.if, scope: scopeFor(step) }))) {
        p.state = 'skipped';
        p.reason = `condition is false: ${step.if}`;
        return;
      }
      switch (step.type) {
        case 'activity':
          await runActivityStep(step, p);
          break;
        case 'pipeline':
          await runPipelineStep(step, p);
          break;
        default: {
          const never: never = step;
          throw new Error(`unknown step type ${JSON.stringify(never)}`);
        }
      }
      if (p.state === 'running') p.state = 'succeeded';
    } catch (err) {
      if (wf.isCancellation(err) || wf.CancellationScope.current().consideredCancelled) {
        p.state = 'cancelled';
        throw err;
      }
      p.state = 'failed';
      const failure = unwrapFailure(err);
      p.error = failure.message;
      if (failure.type !== undefined) p.errorType = failure.type;
    } finally {
      spenders.get(step.id)?.forget();
      spenders.delete(step.id);
      p.endedAt = new Date().toISOString();
      showSpend();
    }
  }

  /** Decides a pending step's fate from its dependencies: run it, wait, or settle it without running. */
  const readiness = (step: PlanStep): 'ready' | 'wait' | 'settled' => {
    const p = byId.get(step.id)!;
    for (const need of step.needs) {
      const dep = byId.get(need)!;
      const depStep = plan.steps.find((s) => s.id === need)!;
      if (dep.state === 'pending' || dep.state === 'running') return 'wait';
      if (dep.state === 'failed' && !depStep.continueOnError) {
        p.state = 'failed';
        p.error = `not run: step "${need}" failed`;
        return 'settled';
      }
      if (dep.state === 'skipped') {
        p.state = 'skipped';
        p.reason = `step "${need}" was skipped`;
        return 'settled';
      }
    }
    return 'ready';
  };

  const ending = { plan, run, params, startedAt, steps: progress, usage: runUsage, outputs };
  const running = new Map<string, Promise<void>>();
  const pending = new Set(plan.steps.map((s) => s.id));
  try {
    while (pending.size > 0 || running.size > 0) {
      let progressed = true;
      while (progressed) {
        progressed = false;
        // Steps that start together are all registered as spenders before any of them takes a share.
        const starting: PlanStep[] = [];
        for (const step of plan.steps) {
          if (!pending.has(step.id) || running.size + starting.length >= plan.parallelism) continue;
          const r = readiness(step);
          if (r === 'wait') continue;
          pending.delete(step.id);
          progressed = true;
          if (r === 'ready') starting.push(step);
        }
        for (const step of starting) registerSpenders(step);
        for (const step of starting) running.set(step.id, runStep(step).finally(() => running.delete(step.id)));
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } catch (err) {
    if (!wf.isCancellation(err)) {
      runState = 'failed';
      await announceRunEnd({ ...ending, state: 'failed', error: describeFailure(err) });
      throw err;
    }
    runState = 'cancelled';
    // Ends the run as cancelled (not failed) once every running step has stopped.
    await Promise.allSettled(running.values());
    throw new wf.CancelledFailure(`pipeline "${plan.name}" was cancelled`);
  }

  const failed = progress.filter((p) => p.state === 'failed' && !plan.steps.find((s) => s.id === p.id)!.continueOnError);
  if (failed.length > 0) {
    runState = 'failed';
    const lines = failed.map((p) => `step "${p.id}": ${p.error ?? 'failed'}`);
    const message = `pipeline "${plan.name}" failed: ${lines.join('; ')}`;
    const notes = await announceRunEnd({ ...ending, state: 'failed', error: message });
    throw wf.ApplicationFailure.nonRetryable(message, 'PipelineFailed', { steps: progress, ...(notes.length > 0 ? { notes } : {}) });
  }
  const scope: StepScope = { params, steps: Object.fromEntries([...outputs].map(([k, v]) => [k, { outputs: v }])) };
  const resolved = Object.keys(plan.outputs).length === 0 ? {} : ((await local['repairity.resolve']({ template: plan.outputs, scope })) as Record<string, unknown>);
  const notes = await announceRunEnd({ ...ending, state: 'succeeded' });
  runState = 'succeeded';
  return { pipeline: plan.name, runId: run.runId, state: 'succeeded', outputs: resolved, steps: progress, usage: runUsage, ...(notes.length > 0 ? { notes } : {}) };
}
