/** Run budgets shared by the steps running at once, on the real Temporal dev server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../engine/progress.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { saveHistory } from './histories.js';
import { echo, payer } from './kinds.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await createTestEngine({ kinds: [echo, payer] });
});
afterAll(async () => engine?.close());

describe('run budget', () => {
  it('paying steps started together get shares of it; steps that do not pay still run once it is spent', async () => {
    const plan = engine.compile(`
name: budget-shares
budget: 3
steps:
  a: { uses: test.pay, with: { costUsd: 1 } }
  b: { uses: test.pay, with: { costUsd: 1 } }
  c:
    uses: test.pay
    needs: [a, b]
    forEach: [0, 1]
    concurrency: 1
    with: { costUsd: 0.5 }
  d: { uses: test.echo, needs: c, with: { value: after the budget } }
outputs:
  a: "\${{ steps.a.outputs.budget }}"
  b: "\${{ steps.b.outputs.budget }}"
  d: "\${{ steps.d.outputs.value }}"
`);
    const handle = await engine.start(plan);
    const result = (await handle.result().catch((err: unknown) => err)) as RunSummary;
    await saveHistory('budget-shares', handle);
    // Each of the two got half of the $3, not all of it.
    expect(result.outputs).toEqual({ a: 1.5, b: 1.5, d: 'after the budget' });
    expect(result.usage.costUsd).toBe(3);
  });
});
