/**
 * A run's budgets in the workflow: the run's ledger (its `budget`, or the share its parent gave
 * it) and a step's own, the spender groups of running steps (engine/budget.ts), and the run's
 * spend as a search attribute.
 */
import * as wf from '@temporalio/workflow';
import { BudgetLedger, SpenderGroup, spendersOf, spends } from '../engine/budget.js';
import type { Plan, PlanStep, RunInput } from '../engine/plan.js';
import type { StepProgress } from '../engine/progress.js';
import type { Usage } from '../engine/usage.js';
import { RUN_ATTRIBUTES } from './search-attributes.js';

export class RunBudgets {
  private readonly runLedger: BudgetLedger | undefined;
  private readonly groups = new Map<string, SpenderGroup>();
  private spendShown = 0;

  constructor(
    plan: Plan,
    input: RunInput,
    private readonly runUsage: Usage,
    private readonly byId: ReadonlyMap<string, StepProgress>,
  ) {
    const limits = [plan.budgetUsd, input.budgetCapUsd].filter((v): v is number => v !== undefined);
    this.runLedger = limits.length > 0 ? new BudgetLedger(Math.min(...limits), () => runUsage.costUsd) : undefined;
  }

  /** Registers a step's spenders; steps that start together all register before any takes a share. */
  register(step: PlanStep): void {
    if (!spends(step)) return;
    const stepLedger = step.type === 'activity' && step.budgetUsd !== undefined ? new BudgetLedger(step.budgetUsd, () => this.byId.get(step.id)!.usage.costUsd) : undefined;
    const ledgers = [this.runLedger, stepLedger].filter((l): l is BudgetLedger => l !== undefined);
    if (ledgers.length > 0) this.groups.set(step.id, new SpenderGroup(ledgers, spendersOf(step), (ready) => wf.condition(ready)));
  }

  /** The spenders of a step under a budget; none when no budget limits it. */
  group(stepId: string): SpenderGroup | undefined {
    return this.groups.get(stepId);
  }

  /** A step ended: its spenders will not ask again. */
  end(stepId: string): void {
    this.groups.get(stepId)?.forget();
    this.groups.delete(stepId);
  }

  /**
   * Keeps the run's spend in its search attribute. Only runs started with the pipeline attribute
   * update it: on a namespace where they are not registered, an update would fail every workflow task.
   */
  showSpend(): void {
    if (this.runUsage.costUsd === this.spendShown || wf.workflowInfo().typedSearchAttributes.get(RUN_ATTRIBUTES.pipeline) === undefined) return;
    this.spendShown = this.runUsage.costUsd;
    wf.upsertSearchAttributes([{ key: RUN_ATTRIBUTES.costUsd, value: this.spendShown }]);
  }
}

/** Shown on a step while it waits for budget that other running spenders hold. */
export function waitingForBudget(p: StepProgress): (yes: boolean) => void {
  return (yes) => {
    if (yes) p.reason = 'waiting for budget: running steps hold what is left of it';
    else if (p.reason?.startsWith('waiting for budget')) delete p.reason;
  };
}
