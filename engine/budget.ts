/**
 * Dollar budgets shared by spenders that run at the same time: a run's parallel paying steps, a
 * forEach step's batches running at once, a step's sub-pipeline runs. A spender is handed a share
 * of what no running spender may still spend, so together they stay within the limit (give or take
 * one answer per call in flight); what it did not use comes back when it ends. Pure and
 * deterministic: the workflow keeps the ledgers (workflows/run-budgets.ts).
 */
import { batchesAtOnce } from './fanout.js';
import type { Plan, PlanStep } from './plan.js';

/** Less than this is nothing: shares are fractions, and their sums carry float rounding. */
const NOTHING_USD = 1e-9;

/** One limit (a run's, or a step's) and the shares of it held by running spenders. */
export class BudgetLedger {
  private held = 0;
  private holders = 0;
  /** Spenders expected to ask for a share soon: a share leaves room for them. */
  private expected = 0;

  constructor(
    private readonly limitUsd: number,
    private readonly spentUsd: () => number,
  ) {}

  /** What no running spender may still spend. */
  free(): number {
    return this.limitUsd - this.spentUsd() - this.held;
  }

  /** Whether a running spender holds a share (counted, not summed: 3 x 4/3 - 4/3 x 3 is not 0). */
  holding(): boolean {
    return this.holders > 0;
  }

  expect(n: number): void {
    this.expected += n;
  }

  forget(n: number): void {
    this.expected = Math.max(0, this.expected - n);
  }

  /** The share one of the expected spenders gets now. */
  nextShare(): number {
    return this.free() / Math.max(1, this.expected);
  }

  hold(usd: number): void {
    this.held += usd;
    this.holders++;
    this.expected = Math.max(0, this.expected - 1);
  }

  /** A spender ended: its share is free again (what it spent is in `spentUsd` by now). */
  release(usd: number, asksAgain: boolean): void {
    this.holders--;
    this.held = this.holders === 0 ? 0 : this.held - usd;
    if (asksAgain) this.expected++;
  }
}

/** Waits until `ready` holds (in a workflow: `wf.condition`). */
export type WaitUntil = (ready: () => boolean) => Promise<void>;

/**
 * The spenders of one step, registered with every ledger that limits them (the run's, the step's)
 * as soon as the step starts, so that steps started together split what is free between them.
 */
export class SpenderGroup {
  private expected: number;

  constructor(
    private readonly ledgers: readonly BudgetLedger[],
    spenders: number,
    private readonly waitUntil: WaitUntil,
  ) {
    this.expected = spenders;
    for (const l of ledgers) l.expect(spenders);
  }

  /**
   * A share for one spender, held until `giveBack`; 0 when the budget is spent. While nothing is
   * free but another spender holds a share it may not use up, waits for it to end (`waiting` is
   * told when that starts and ends, for the progress view).
   */
  async take(waiting?: (yes: boolean) => void): Promise<number> {
    for (;;) {
      const share = Math.min(...this.ledgers.map((l) => l.nextShare()));
      if (share > NOTHING_USD) {
        for (const l of this.ledgers) l.hold(share);
        this.expected = Math.max(0, this.expected - 1);
        return share;
      }
      if (!this.ledgers.some((l) => l.free() <= NOTHING_USD && l.holding())) return 0;
      waiting?.(true);
      await this.waitUntil(() => this.ledgers.every((l) => l.free() > NOTHING_USD) || this.ledgers.some((l) => l.free() <= NOTHING_USD && !l.holding()));
      waiting?.(false);
    }
  }

  /** Call in the same step as the spender's cost is added to what was spent. */
  giveBack(share: number, asksAgain: boolean): void {
    for (const l of this.ledgers) l.release(share, asksAgain);
    if (asksAgain) this.expected++;
  }

  /** The group's spenders that will not ask any more (the step ended, or runs fewer batches at once). */
  forget(n = this.expected): void {
    const k = Math.min(n, this.expected);
    for (const l of this.ledgers) l.forget(k);
    this.expected -= k;
  }
}

/** Whether a step can spend a budget: a paying kind, or a sub-pipeline with one somewhere inside. */
export function spends(step: PlanStep): boolean {
  return step.type === 'activity' ? step.spends === true : step.plan.steps.some(spends);
}

/** How many spenders of a step run at once: its batches at once, its sub-pipeline runs, or itself. */
export function spendersOf(step: PlanStep): number {
  if (!step.forEach) return 1;
  return step.type === 'activity' ? batchesAtOnce(step.forEach.concurrency) : step.forEach.concurrency;
}

/** Whether a plan (or one it runs) sets a budget of its own: those count per run, so its runs are not resumed. */
export function hasOwnBudget(plan: Plan): boolean {
  return plan.budgetUsd !== undefined || plan.steps.some((s) => (s.type === 'activity' ? s.budgetUsd !== undefined : hasOwnBudget(s.plan)));
}
