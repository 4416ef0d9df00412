/**
 * Sandbox tasks (what to judge) and verdicts (what the judge says). JSON-serialisable.
 *
 * Four task formats; a row of a task file may also be a raw MBPP or HumanEval row, which
 * `normaliseTask` (formats/index.ts) turns into a `python-asserts` task.
 */

interface TaskBase {
  /** Reported back in the verdict; defaults to the row number. */
  id?: string;
  /** Wall-clock limit for this task in milliseconds; defaults to the sandbox's `timeoutMs`. */
  timeoutMs?: number;
}

/** A Python function task with an assert list (MBPP, HumanEval). Runs code, then setup, then each test. */
export interface PythonAssertsTask extends TaskBase {
  format: 'python-asserts';
  /** The candidate solution. */
  code: string;
  /** Code run after the solution and before the tests (MBPP's `test_setup_code`). */
  setup?: string;
  /** One Python statement (usually an `assert`) per test. */
  tests: string[];
}

/** A pytest suite: the files of a small project, optionally with the candidate written to `solutionPath`. */
export interface PytestTask extends TaskBase {
  format: 'pytest';
  /** Relative path -> UTF-8 content. */
  files: Record<string, string>;
  /** The candidate, written to `solutionPath` (default `solution.py`) when given. */
  solution?: string;
  solutionPath?: string;
  /** Extra pytest arguments (test paths, `-k` expressions). */
  args?: string[];
  /** Image family to run in: `python` (default) or `bigcodebench` (BigCodeBench's libraries). */
  family?: 'python' | 'bigcodebench';
}

/** A Java project compiled with javac and run with JUnit 4 (Defects4J-style; docs/benchmarks/defects4j.md). */
export interface JavaJunitTask extends TaskBase {
  format: 'java-junit';
  /** Relative path -> UTF-8 content; every `.java` file is compiled. */
  files: Record<string, string>;
  /** Fully qualified names of the JUnit test classes to run. */
  testClasses: string[];
  /** The candidate, written to `solutionPath` when given. */
  solution?: string;
  solutionPath?: string;
}

/** A repository snapshot, a patch and a test command (real SWE-bench instances use `swebench`). */
export interface RepoPatchTask extends TaskBase {
  format: 'repo-patch';
  /** The snapshot: a file map, and/or a base64 tar (optionally gzipped) archive. */
  repo: { files?: Record<string, string>; archiveBase64?: string };
  /** Unified diff applied at the repository root (`git apply`, then `patch -p1 --fuzz=5`). */
  patch: string;
  /** Shell command run at the repository root after the patch, e.g. `python3 -m pytest tests`. */
  testCommand: string;
  /**
   * The tests that decide the verdict (SWE-bench FAIL_TO_PASS + PASS_TO_PASS), as pytest node ids.
   * Every one must pass. When omitted, the verdict follows every test that ran.
   */
  tests?: string[];
}

/**
 * A SWE-bench instance (published schema) and a candidate patch, graded as the official harness
 * grades it: its own environment image, the official eval script, log parser and report
 * (sandbox/swebench/). Passed means resolved.
 */
export interface SweBenchTask extends TaskBase {
  format: 'swebench';
  instance: Record<string, unknown>;
  /** The candidate: a unified diff ('' is an empty prediction). */
  patch: string;
}

export type SandboxTask = PythonAssertsTask | PytestTask | JavaJunitTask | RepoPatchTask | SweBenchTask;
export type TaskFormat = SandboxTask['format'];

export type VerdictStatus = 'passed' | 'failed' | 'error' | 'timeout' | 'out_of_memory' | 'crashed';
export const VERDICT_STATUSES: readonly VerdictStatus[] = ['passed', 'failed', 'error', 'timeout', 'out_of_memory', 'crashed'];

export type TestOutcomeKind = 'passed' | 'failed' | 'error' | 'skipped' | 'missing' | 'not_run';

export interface TestOutcome {
  name: string;
  outcome: TestOutcomeKind;
  message?: string;
}

export interface Verdict {
  id?: string;
  format: TaskFormat;
  /**
   * passed: every test passed. failed: the program ran and some test did not pass (`failedTests`).
   * error: it did not compile (syntax error, javac error, patch that does not apply).
   * timeout: killed at the wall-clock limit. out_of_memory: killed by, or failed on, the memory
   * limit. crashed: the program died without reporting (signal, exit, killed its supervisor).
   */
  status: VerdictStatus;
  /** One line for people: the compiler error, the first failing assertion, what killed it. */
  message?: string;
  tests: TestOutcome[];
  failedTests: string[];
  exitCode: number | null;
  signal: number | null;
  durationMs: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Which backend judged it: `docker-pool`, `docker-fresh` or `UNSANDBOXED-host`. */
  backend: string;
}
