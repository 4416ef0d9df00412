/** What Temporal sees when a step fails: types, retryability and the usage a failed step spent (pure, no Temporal). */
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toActivityFailure } from '../../activities/runtime/failure.js';
import { BudgetExceeded, TransientError } from '../../core/errors.js';

const where = { stepId: 'teach', uses: 'custom.kind' };
const usage = { requests: 2, inputTokens: 10, outputTokens: 5, costUsd: 0.5 };

describe('toActivityFailure', () => {
  it("adds what the step spent to a kind's own ApplicationFailure, keeping its type, retryability, delay and details", () => {
    const own = ApplicationFailure.create({ type: 'QuotaGone', message: 'no quota', nonRetryable: false, nextRetryDelay: '3s', details: [{ quota: 'x' }, 'second'] });
    const failure = toActivityFailure(own, where, undefined, usage) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('QuotaGone');
    expect(failure.message).toBe('no quota');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe('3s');
    expect(failure.details).toEqual([{ quota: 'x', usage }, 'second']);
  });

  it('puts the usage first when the first detail is not an object, and passes a failure through untouched without usage', () => {
    const own = ApplicationFailure.nonRetryable('bad input', 'BadInput', 'just a string');
    const failure = toActivityFailure(own, where, undefined, usage) as ApplicationFailure;
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details).toEqual([{ usage }, 'just a string']);
    expect(toActivityFailure(own, where)).toBe(own);
  });

  it("types the engine's errors by class, says where, and keeps a transient error's retry-after", () => {
    const budget = toActivityFailure(new BudgetExceeded('budget spent'), where, undefined, usage) as ApplicationFailure;
    expect(budget.type).toBe('BudgetExceeded');
    expect(budget.nonRetryable).toBe(true);
    expect(budget.message).toBe('step "teach" (custom.kind): budget spent');
    expect((budget.details?.[0] as { usage: unknown }).usage).toEqual(usage);
    const transient = toActivityFailure(new TransientError('overloaded', {}, { retryAfterMs: 1500 }), where) as ApplicationFailure;
    expect(transient.nonRetryable).toBe(false);
    expect(transient.nextRetryDelay).toBe(1500);
  });
});
