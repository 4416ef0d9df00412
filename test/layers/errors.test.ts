/**
 * One error hierarchy (core/errors.ts): product code throws errors that say whether a retry can
 * help, never a bare `Error`, and declares no error class outside the hierarchy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BudgetExceeded, InternalError, isRetryable, PermanentError, TransientError } from '../../core/errors.js';
import { repoRoot, trackedFiles } from '../helpers/repo-files.js';

/** Where a bare Error is right, and why. */
const EXEMPT: Record<string, string> = {
  // A plain Error in workflow code fails the workflow task, which Temporal retries until a fixed
  // worker runs it: the Temporal way for a bug in deterministic code (workflows/ cannot load core/).
  'workflows/': 'workflow task failures are retried by Temporal until fixed code runs them',
  // Developer tools run by hand: an error stops them with its message, and nothing retries them.
  'bench/': 'benchmarks run by hand; nothing retries them',
  'scripts/': 'build and developer scripts run by hand; nothing retries them',
  // Carries a step's error and usage to the activity boundary, where it is unwrapped.
  'activities/runtime/run-step.ts': 'SingleStepFailure wraps the step error up to the failure codec, which unwraps it',
  // HttpProblem becomes an HTTP error answer; it never leaves the server.
  'claude-simulator/validate.ts': 'an HTTP error answer of the simulator, never thrown out of it',
};

const product = trackedFiles(['*.ts']).filter((f) => !f.startsWith('test/') && !f.endsWith('.d.ts') && !Object.keys(EXEMPT).some((p) => f.startsWith(p)));

describe('errors', () => {
  it('product code throws no bare Error and declares no error class outside core/errors.ts', () => {
    const found = product.flatMap((f) =>
      fs
        .readFileSync(path.join(repoRoot, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\bthrow new Error\(|\bextends Error\b/.test(line) && f !== 'core/errors.ts' ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it('every error says whether a retry can help', () => {
    expect(isRetryable(new BudgetExceeded('spent'))).toBe(false);
    expect(new BudgetExceeded('spent').name).toBe('BudgetExceeded');
    expect(isRetryable(new InternalError('bug'))).toBe(false);
    expect(isRetryable(new PermanentError('bad row'))).toBe(false);
    expect(isRetryable(new TransientError('rate limited'))).toBe(true);
  });
});
