import { runtimeFile, RESULT_FILE } from '../protocol.js';
import type { PythonAssertsTask, TestOutcome } from '../types.js';
import { crashed, firstLine, fromTests, parseResult, type FormatHandler } from './common.js';

interface HarnessResult {
  phase: 'compile' | 'solution' | 'setup' | 'tests';
  error?: { kind: 'syntax' | 'memory' | 'exception'; phase?: string; message: string };
  tests: { name: string; outcome: 'passed' | 'failed' | 'error' | 'running'; message?: string }[];
  done: boolean;
}

export const pythonAsserts: FormatHandler<PythonAssertsTask> = {
  prepare(task) {
    return {
      family: 'python',
      request: {
        files: {
          '.repairity/asserts_harness.py': runtimeFile('asserts_harness.py'),
          '.repairity/task.json': JSON.stringify({ code: task.code, setup: task.setup ?? '', tests: task.tests }),
        },
        argv: ['python3', '-I', '.repairity/asserts_harness.py', '.repairity/task.json', RESULT_FILE],
        inProcess: { script: '.repairity/asserts_harness.py', args: ['.repairity/task.json', RESULT_FILE] },
      },
    };
  },

  judge(task, response) {
    const result = parseResult<HarnessResult>(response);
    const recorded: TestOutcome[] = (result?.tests ?? []).map((t) => ({
      name: t.name,
      outcome: t.outcome === 'running' ? 'error' : t.outcome,
      ...(t.message ? { message: t.message } : t.outcome === 'running' ? { message: 'the process died during this test' } : {}),
    }));
    const notRun: TestOutcome[] = task.tests.slice(recorded.length).map((name) => ({ name, outcome: 'not_run' }));
    const tests = [...recorded, ...notRun];
    if (result?.error?.kind === 'syntax') return { status: 'error', message: firstLine(result.error.message.split('\n').pop()) ?? 'syntax error', tests };
    if (result?.error?.kind === 'memory') return { status: 'out_of_memory', message: 'MemoryError', tests };
    if (!result?.done) return crashed(response, `the program (in phase ${result?.phase ?? 'start'})`, tests);
    if (result.error?.kind === 'exception') {
      return { status: 'failed', message: `the ${result.error.phase ?? 'solution'} code raised ${firstLine(result.error.message.split('\n').pop())}`, tests };
    }
    return fromTests(tests, response.exitCode);
  },
};
