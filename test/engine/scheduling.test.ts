/** The run's scheduling decisions (engine/scheduling.ts): readiness, skip and failure propagation, parallelism. */
import { describe, expect, it } from 'vitest';
import type { Plan, PlanStep } from '../../engine/plan.js';
import type { StepProgress, StepState } from '../../engine/progress.js';
import { decide, failingSteps } from '../../engine/scheduling.js';
import { zeroUsage } from '../../engine/usage.js';

function step(id: string, needs: string[] = [], continueOnError = false): PlanStep {
  return { type: 'activity', id, needs, with: {}, continueOnError, location: { file: 'p.yaml', line: 1, column: 1 }, uses: 'x.y', kindVersion: '1', queue: 'cpu', retry: { maximumAttempts: 1, initialIntervalMs: 1, backoffCoefficient: 2, maximumIntervalMs: 1, nonRetryableErrorTypes: [] }, timeoutMs: 1000, cache: false };
}

function planOf(steps: PlanStep[], parallelism = 10): Plan {
  return { apiVersion: 'repairity/v1', name: 'p', source: { file: 'p.yaml', sha256: '' }, hash: 'h', params: {}, steps, outputs: {}, parallelism };
}

function progressOf(states: Record<string, StepState>): Map<string, StepProgress> {
  return new Map(Object.entries(states).map(([id, state]) => [id, { id, uses: 'x.y', state, usage: zeroUsage() }]));
}

const ids = (steps: readonly { id: string }[]): string[] => steps.map((s) => s.id);

describe('decide', () => {
  it('starts the steps whose dependencies are done, in plan order, up to the parallelism', () => {
    const plan = planOf([step('a'), step('b'), step('c', ['a']), step('d')], 2);
    const d = decide(plan, new Set(['a', 'b', 'c', 'd']), 0, progressOf({ a: 'pending', b: 'pending', c: 'pending', d: 'pending' }));
    expect(ids(d.start)).toEqual(['a', 'b']);
    expect(d.settle).toEqual([]);
    // One running: one more may start; c still waits for a.
    expect(ids(decide(plan, new Set(['c', 'd']), 1, progressOf({ a: 'running', b: 'succeeded', c: 'pending', d: 'pending' })).start)).toEqual(['d']);
  });

  it('fails the dependents of a failed step, through the chain in one decision, unless it continues on error', () => {
    const plan = planOf([step('a'), step('b', ['a']), step('c', ['b']), step('soft'), step('after-soft', ['soft'])]);
    const soft = { ...plan.steps[3]!, continueOnError: true };
    plan.steps[3] = soft;
    const d = decide(plan, new Set(['b', 'c', 'after-soft']), 0, progressOf({ a: 'failed', b: 'pending', c: 'pending', soft: 'failed', 'after-soft': 'pending' }));
    expect(d.settle.map((s) => [s.step.id, s.readiness])).toEqual([
      ['b', { kind: 'settled', state: 'failed', error: 'not run: step "a" failed' }],
      ['c', { kind: 'settled', state: 'failed', error: 'not run: step "b" failed' }],
    ]);
    expect(ids(d.start)).toEqual(['after-soft']);
  });

  it('skips the dependents of a skipped step', () => {
    const plan = planOf([step('a'), step('b', ['a'])]);
    const d = decide(plan, new Set(['b']), 0, progressOf({ a: 'skipped', b: 'pending' }));
    expect(d.settle).toEqual([{ step: plan.steps[1], readiness: { kind: 'settled', state: 'skipped', reason: 'step "a" was skipped' } }]);
  });

  it('runs a step with skippedNeeds: run after a skipped dependency, but not after a failed one', () => {
    const report = { ...step('report', ['a', 'b']), skippedNeeds: 'run' as const };
    const plan = planOf([step('a'), step('b'), report]);
    expect(ids(decide(plan, new Set(['report']), 0, progressOf({ a: 'skipped', b: 'succeeded', report: 'pending' })).start)).toEqual(['report']);
    expect(decide(plan, new Set(['report']), 0, progressOf({ a: 'skipped', b: 'running', report: 'pending' })).start).toEqual([]);
    expect(decide(plan, new Set(['report']), 0, progressOf({ a: 'skipped', b: 'failed', report: 'pending' })).settle[0]!.readiness).toEqual({ kind: 'settled', state: 'failed', error: 'not run: step "b" failed' });
  });
});

describe('failingSteps', () => {
  it('are the failed steps without continueOnError', () => {
    const plan = planOf([step('a'), { ...step('b'), continueOnError: true }, step('c')]);
    expect(ids(failingSteps(plan, [...progressOf({ a: 'failed', b: 'failed', c: 'succeeded' }).values()]))).toEqual(['a']);
  });
});
