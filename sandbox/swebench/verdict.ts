/** A SWE-bench evaluation as a sandbox verdict: passed = resolved; the tests are FAIL_TO_PASS and PASS_TO_PASS. */
import type { TestOutcome, Verdict, VerdictStatus } from '../types.js';
import type { InstanceResult } from './evaluate.js';

const STATUS: Record<InstanceResult['status'], VerdictStatus> = { resolved: 'passed', unresolved: 'failed', empty_patch: 'failed', error: 'error' };

export function verdictOf(result: InstanceResult, id: string | undefined): Verdict {
  const tests: TestOutcome[] = [];
  const status = result.report?.tests_status;
  for (const kind of ['FAIL_TO_PASS', 'PASS_TO_PASS'] as const) {
    for (const name of status?.[kind]?.success ?? []) tests.push({ name, outcome: 'passed' });
    for (const name of status?.[kind]?.failure ?? []) tests.push({ name, outcome: 'failed', message: `${kind} test did not pass` });
  }
  const failed = tests.filter((t) => t.outcome !== 'passed').map((t) => t.name);
  const message = result.message ?? (result.status === 'unresolved' ? `not resolved: ${failed.length} of ${tests.length} FAIL_TO_PASS/PASS_TO_PASS tests did not pass; first: ${failed[0] ?? '(no test output)'}` : undefined);
  return {
    ...(id !== undefined ? { id } : {}),
    format: 'swebench',
    status: STATUS[result.status],
    ...(message ? { message } : {}),
    tests,
    failedTests: failed,
    exitCode: null,
    signal: null,
    durationMs: result.durationMs,
    stdout: result.testLog ? `test log: ${result.testLog}` : '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    backend: 'swebench',
  };
}
