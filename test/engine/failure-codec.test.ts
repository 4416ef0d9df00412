/** The one way failures are read back (engine/failure.ts), on the failures Temporal really delivers. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toActivityFailure } from '../../activities/runtime/failure.js';
import { BudgetExceeded } from '../../core/errors.js';
import { describeFailure, failedForBudget, unwrapFailure, usageOfFailure } from '../../engine/failure.js';
import type { StepProgress } from '../../engine/progress.js';

const usage = { requests: 2, inputTokens: 10, outputTokens: 5, costUsd: 0.5 };
const asActivity = (cause: Error) => new ActivityFailure('activity failed', 'teach', 'claude.message', RetryState.NON_RETRYABLE_FAILURE, undefined, cause);
const asChild = (cause: Error) => new ChildWorkflowFailure('default', { workflowId: 'w', runId: 'r' }, 'runPipeline', RetryState.NON_RETRYABLE_FAILURE, cause);

describe('unwrapFailure', () => {
  it("reads an activity's failure through its wrapper: type, message, retryability and details", () => {
    const sent = toActivityFailure(new BudgetExceeded('budget spent'), { stepId: 'teach', uses: 'claude.message', itemIndex: 3 }, undefined, usage);
    const got = unwrapFailure(asActivity(sent));
    expect(got).toMatchObject({ type: 'BudgetExceeded', message: 'step "teach" (claude.message) item 3: budget spent', nonRetryable: true, details: { step: 'teach', item: 3, usage } });
    expect(usageOfFailure(asActivity(sent))).toEqual(usage);
  });

  it("sums what a failed sub-pipeline run's steps spent, and knows when one ran out of budget", () => {
    const steps: StepProgress[] = [
      { id: 'a', uses: 'x', state: 'succeeded', usage },
      { id: 'b', uses: 'x', state: 'failed', errorType: 'BudgetExceeded', usage },
    ];
    const child = asChild(ApplicationFailure.nonRetryable('pipeline "p" failed', 'PipelineFailed', { steps }));
    expect(usageOfFailure(child).costUsd).toBe(1);
    expect(failedForBudget(child)).toBe(true);
    expect(failedForBudget(asChild(ApplicationFailure.nonRetryable('x', 'PipelineFailed', { steps: steps.slice(0, 1) })))).toBe(false);
  });

  it('takes any other error as it is, with no type', () => {
    expect(unwrapFailure(new Error('plain'))).toEqual({ message: 'plain', nonRetryable: false });
    expect(describeFailure('a string')).toBe('a string');
    expect(unwrapFailure(ApplicationFailure.create({ message: 'no type', details: ['not an object'] }))).toEqual({ message: 'no type', nonRetryable: false });
  });
});
