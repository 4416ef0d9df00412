import { runtimeFile } from '../protocol.js';
import type { JavaJunitTask, TestOutcome } from '../types.js';
import { crashed, fromTests, lastLines, parseResult, type FormatHandler } from './common.js';
import { SandboxConfigError } from '../errors.js';

/** Exit code of runtime/java_junit.sh when javac fails. */
const COMPILE_FAILED = 97;

export const javaJunit: FormatHandler<JavaJunitTask> = {
  prepare(task) {
    const files: Record<string, string> = {
      ...task.files,
      '.repairity/RepairityJUnitRunner.java': runtimeFile('RepairityJUnitRunner.java'),
      '.repairity/java_junit.sh': runtimeFile('java_junit.sh'),
    };
    if (task.solution !== undefined) {
      if (!task.solutionPath) throw new SandboxConfigError('a java-junit task with a solution needs solutionPath (the file the solution replaces); add it to the task');
      files[task.solutionPath] = task.solution;
    }
    return {
      family: 'java',
      defaultTimeoutMs: 60_000,
      request: { files, argv: ['bash', '.repairity/java_junit.sh', ...task.testClasses] },
    };
  },
  judge(_task, response) {
    const result = parseResult<{ tests: TestOutcome[]; done: boolean }>(response);
    if (!result?.done) {
      if (response.exitCode === COMPILE_FAILED) {
        const errors = response.stderr.split('\n').filter((l) => /error:/.test(l));
        return { status: 'error', message: `javac: ${errors[0]?.trim() ?? lastLines(response.stderr, 3)}`, tests: [] };
      }
      return crashed(response, 'the JUnit run');
    }
    return fromTests(result.tests, response.exitCode);
  },
};
