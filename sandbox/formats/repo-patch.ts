import { runtimeFile } from '../protocol.js';
import type { RepoPatchTask, TestOutcome } from '../types.js';
import { crashed, fromTests, lastLines, parseResult, type FormatHandler } from './common.js';
import { PYTEST_PLUGIN_FILES, judgePytest, type PytestResult } from './pytest.js';

/** Exit code of runtime/repo_patch.sh when the patch does not apply. */
const PATCH_FAILED = 96;

export const repoPatch: FormatHandler<RepoPatchTask> = {
  prepare(task) {
    return {
      family: 'python',
      defaultTimeoutMs: 300_000,
      request: {
        files: {
          ...(task.repo.files ?? {}),
          ...PYTEST_PLUGIN_FILES,
          '.repairity/repo_patch.sh': runtimeFile('repo_patch.sh'),
          '.repairity/patch.diff': task.patch,
        },
        ...(task.repo.archiveBase64 ? { archive: task.repo.archiveBase64 } : {}),
        argv: ['bash', '.repairity/repo_patch.sh'],
        env: { REPAIRITY_TEST_COMMAND: task.testCommand },
      },
    };
  },
  judge(task, response) {
    if (response.exitCode === PATCH_FAILED && !response.result) {
      return { status: 'error', message: `the patch does not apply: ${lastLines(response.stderr, 2, 300)}`, tests: [] };
    }
    const result = parseResult<PytestResult>(response);
    if (!result) {
      // A test command that does not run pytest: only its exit code says something.
      if (response.signal !== null) return crashed(response, 'the test command');
      return response.exitCode === 0
        ? { status: 'passed', tests: [] }
        : { status: 'failed', message: `the test command exited with code ${response.exitCode}: ${lastLines(response.stderr || response.stdout, 3, 300)}`, tests: [] };
    }
    if (!task.tests?.length) return judgePytest(response, 'the test command');
    // SWE-bench: every named test (FAIL_TO_PASS + PASS_TO_PASS) must pass; others are reported too.
    const byName = new Map(result.tests.map((t) => [t.name, t]));
    const named: TestOutcome[] = task.tests.map((name) => byName.get(name) ?? { name, outcome: 'missing', message: 'the test did not run' });
    const others = result.tests.filter((t) => !task.tests!.includes(t.name));
    const judged = fromTests(named, 0);
    return { ...judged, tests: [...named, ...others] };
  },
};
