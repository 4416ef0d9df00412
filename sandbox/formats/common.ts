import type { SupervisorRequest, SupervisorResponse } from '../protocol.js';
import type { ImageFamily } from '../images/recipe.js';
import type { SandboxTask, TestOutcome, Verdict, VerdictStatus } from '../types.js';

/** What a format turns a task into: which image, and what the supervisor should run. */
export interface PreparedTask {
  family: ImageFamily;
  request: Omit<SupervisorRequest, 'id' | 'timeoutMs' | 'outputLimit'>;
  /** Wall-clock limit when the task names none; undefined: the sandbox's default. */
  defaultTimeoutMs?: number;
}

/** The format-specific part of a verdict. */
export interface Judgement {
  status: VerdictStatus;
  message?: string;
  tests: TestOutcome[];
}

export interface FormatHandler<T extends SandboxTask> {
  prepare(task: T): PreparedTask;
  /** Called only when the process was neither timed out nor OOM-killed. */
  judge(task: T, response: SupervisorResponse): Judgement;
}

export function parseResult<T>(response: SupervisorResponse): T | undefined {
  if (!response.result) return undefined;
  try {
    return JSON.parse(response.result) as T;
  } catch {
    return undefined;
  }
}

export function firstLine(text: string | undefined, limit = 300): string | undefined {
  if (!text) return undefined;
  const line = text.trim().split('\n').find((l) => l.trim()) ?? '';
  return line.length > limit ? `${line.slice(0, limit)}…` : line || undefined;
}

export function lastLines(text: string, count = 5, limit = 600): string {
  const lines = text.trim().split('\n').slice(-count).join('\n');
  return lines.length > limit ? lines.slice(-limit) : lines;
}

/** How a process that did not report died: by a signal, or an exit code. */
export function describeDeath(response: SupervisorResponse): string {
  if (response.signal !== null) return `killed by signal ${response.signal}`;
  return `exited with code ${response.exitCode}`;
}

export function crashed(response: SupervisorResponse, what: string, tests: TestOutcome[] = []): Judgement {
  const tail = response.stderr ? `: ${lastLines(response.stderr, 3, 300)}` : '';
  return { status: 'crashed', message: `${what} ${describeDeath(response)}${tail}`, tests };
}

/** passed when every test passed (skips allowed) and at least one ran; failed otherwise. */
export function fromTests(tests: TestOutcome[], exitCode: number | null): Judgement {
  const bad = tests.filter((t) => t.outcome !== 'passed' && t.outcome !== 'skipped');
  if (tests.length === 0) return { status: 'error', message: 'no tests ran', tests };
  if (bad.length === 0) {
    return exitCode === 0 ? { status: 'passed', tests } : { status: 'failed', message: `all tests passed but the process exited with code ${exitCode}`, tests };
  }
  const first = bad[0]!;
  return { status: 'failed', message: `${bad.length} of ${tests.length} tests did not pass; first: ${first.name}${first.message ? `: ${firstLine(first.message)}` : ''}`, tests };
}

export function buildVerdict(task: SandboxTask, judgement: Judgement, response: SupervisorResponse, backend: string): Verdict {
  const verdict: Verdict = {
    format: task.format,
    status: judgement.status,
    tests: judgement.tests,
    failedTests: judgement.tests.filter((t) => t.outcome !== 'passed' && t.outcome !== 'skipped').map((t) => t.name),
    exitCode: response.exitCode,
    signal: response.signal,
    durationMs: response.durationMs,
    stdout: response.stdout,
    stderr: response.stderr,
    stdoutTruncated: response.stdoutTruncated,
    stderrTruncated: response.stderrTruncated,
    backend,
  };
  if (task.id !== undefined) verdict.id = task.id;
  if (judgement.message !== undefined) verdict.message = judgement.message;
  return verdict;
}
