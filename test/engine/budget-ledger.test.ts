/** The budget ledger the run uses to share budgets between spenders running at once (pure, no Temporal). */
import { describe, expect, it } from 'vitest';
import { BudgetLedger, SpenderGroup, type WaitUntil } from '../../engine/budget.js';

/** A stand-in for wf.condition: resolves once `ready` holds, checked after every `settle()`. */
function conditions(): { waitUntil: WaitUntil; settle: () => Promise<void>; waiting: () => number } {
  const waiters: { ready: () => boolean; resolve: () => void }[] = [];
  return {
    waitUntil: (ready) => new Promise((resolve) => waiters.push({ ready, resolve })),
    settle: async () => {
      for (const w of [...waiters]) {
        if (w.ready()) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      await new Promise((r) => setImmediate(r));
    },
    waiting: () => waiters.length,
  };
}

describe('budget shares', () => {
  it('steps started together split what is free, instead of each getting all of it', async () => {
    let spent = 0;
    const run = new BudgetLedger(10, () => spent);
    const { waitUntil } = conditions();
    const a = new SpenderGroup([run], 1, waitUntil);
    const b = new SpenderGroup([run], 1, waitUntil);
    const shareA = await a.take();
    const shareB = await b.take();
    expect(shareA).toBe(5);
    expect(shareB).toBe(5);
    expect(run.free()).toBe(0);
    // A spent 2 of its 5: the other 3 are free again, and B still holds its 5.
    spent += 2;
    a.giveBack(shareA, false);
    expect(run.free()).toBe(3);
  });

  it('once every share of thirds is back, nothing is held: a spender asking again is told the budget is spent, not left waiting', async () => {
    let spent = 0;
    const run = new BudgetLedger(4, () => spent);
    const c = conditions();
    const children = new SpenderGroup([run], 3, c.waitUntil);
    const shares = [await children.take(), await children.take(), await children.take()];
    // Each spent its share and one answer more (calls in flight), and asks again (to resume).
    for (const share of shares) {
      spent += share + 0.25;
      children.giveBack(share, true);
    }
    expect(run.holding()).toBe(false);
    let again: number | undefined;
    void children.take().then((share) => (again = share));
    await c.settle();
    expect(c.waiting()).toBe(0);
    expect(again).toBe(0);
  });

  it('a batch that finds nothing free waits for a share held by another, then takes what it left', async () => {
    let spent = 0;
    const run = new BudgetLedger(4, () => spent);
    const c = conditions();
    const batches = new SpenderGroup([run], 2, c.waitUntil);
    const first = await batches.take();
    const second = await batches.take();
    expect(first + second).toBe(4);
    spent += second;
    batches.giveBack(second, true);
    // Everything is held or spent: the next ask waits for the first batch.
    let third: number | undefined;
    const told: boolean[] = [];
    void batches.take((yes) => told.push(yes)).then((s) => (third = s));
    await c.settle();
    expect(third).toBeUndefined();
    expect(c.waiting()).toBe(1);
    expect(told).toEqual([true]);
    spent += 0.5;
    batches.giveBack(first, true);
    await c.settle();
    await c.settle();
    // 1.5 is left, and both batches will ask for more: half each.
    expect(third).toBe(0.75);
    expect(told).toEqual([true, false]);
  });

  it('says the budget is spent (0) once nothing is free and nobody holds a share', async () => {
    let spent = 0;
    const run = new BudgetLedger(1, () => spent);
    const g = new SpenderGroup([run], 1, conditions().waitUntil);
    const share = await g.take();
    spent += 1.2;
    g.giveBack(share, true);
    expect(await g.take()).toBe(0);
  });

  it('a step budget and the run budget both bound a share', async () => {
    const run = new BudgetLedger(10, () => 0);
    const step = new BudgetLedger(3, () => 0);
    const g = new SpenderGroup([run, step], 1, conditions().waitUntil);
    const other = new SpenderGroup([run], 1, conditions().waitUntil);
    expect(await g.take()).toBe(3);
    // The run ledger holds only the 3 the step took: the other step gets the remaining 7.
    expect(await other.take()).toBe(7);
  });

  it('forgetting spenders that will not ask gives their room back to the others', async () => {
    const run = new BudgetLedger(8, () => 0);
    const g = new SpenderGroup([run], 4, conditions().waitUntil);
    g.forget(3);
    expect(await g.take()).toBe(8);
  });
});
