import { runtimeFile } from '../protocol.js';
import type { PytestTask, TestOutcome } from '../types.js';
import { crashed, firstLine, fromTests, parseResult, type FormatHandler, type Judgement } from './common.js';
import type { SupervisorResponse } from '../protocol.js';

export interface PytestResult {
  tests: TestOutcome[];
  collectErrors: { name: string; message: string }[];
  exitstatus: number;
  done: boolean;
}

export const PYTEST_PLUGIN_FILES = { '.repairity/repairity_pytest_plugin.py': runtimeFile('repairity_pytest_plugin.py') };

/** Judges a run whose pytest wrote its report through the repairity plugin. */
export function judgePytest(response: SupervisorResponse, what: string): Judgement {
  const result = parseResult<PytestResult>(response);
  if (!result?.done) return crashed(response, what);
  const tests = result.tests;
  if (result.collectErrors.length > 0) {
    const first = result.collectErrors[0]!;
    const cause = first.message.split('\n').reverse().find((l) => /^E\s+\w*Error/.test(l)) ?? first.message.split('\n').reverse().find((l) => l.trim());
    return { status: 'error', message: `tests could not be collected (${first.name || 'session'}): ${firstLine(cause?.replace(/^E\s+/, ''))}`, tests };
  }
  if (result.exitstatus === 5) return { status: 'error', message: 'pytest collected no tests', tests };
  return fromTests(tests, response.exitCode);
}

export const pytestFormat: FormatHandler<PytestTask> = {
  prepare(task) {
    const files: Record<string, string> = { ...task.files, ...PYTEST_PLUGIN_FILES };
    if (task.solution !== undefined) files[task.solutionPath ?? 'solution.py'] = task.solution;
    return {
      family: task.family ?? 'python',
      defaultTimeoutMs: 30_000,
      request: {
        files,
        argv: ['python3', '-m', 'pytest', '-q', '-p', 'repairity_pytest_plugin', '-p', 'no:cacheprovider', ...(task.args ?? [])],
        env: { PYTHONPATH: '.repairity' },
      },
    };
  },
  judge(_task, response) {
    return judgePytest(response, 'pytest');
  },
};
