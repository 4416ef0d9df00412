/**
 * Task formats: turning a row of a task file into a task, a task into a supervisor request, and
 * the supervisor's answer into a verdict.
 */
import { SandboxConfigError } from '../errors.js';
import type { SupervisorResponse } from '../protocol.js';
import type { SandboxTask, TaskFormat, Verdict } from '../types.js';
import { bigCodeBenchReference, bigCodeBenchTask, isBigCodeBenchRow } from './bigcodebench.js';
import { buildVerdict, type FormatHandler, type Judgement, type PreparedTask } from './common.js';
import { javaJunit } from './java-junit.js';
import { pytestFormat } from './pytest.js';
import { pythonAsserts } from './python-asserts.js';
import { repoPatch } from './repo-patch.js';

export type { PreparedTask } from './common.js';

/** Formats judged from a supervisor's answer; `swebench` is graded by sandbox/swebench/ instead. */
const handlers: { [F in Exclude<TaskFormat, 'swebench'>]: FormatHandler<Extract<SandboxTask, { format: F }>> } = {
  'python-asserts': pythonAsserts,
  pytest: pytestFormat,
  'java-junit': javaJunit,
  'repo-patch': repoPatch,
};

function handlerOf(task: SandboxTask): FormatHandler<SandboxTask> {
  const handler = (handlers as Record<string, unknown>)[task.format] as FormatHandler<SandboxTask> | undefined;
  if (!handler) throw new SandboxConfigError(`unknown task format "${(task as { format: string }).format}"; use one of ${Object.keys(handlers).join(', ')}`);
  return handler;
}

export function prepareTask(task: SandboxTask): PreparedTask {
  return handlerOf(task).prepare(task);
}

/** The verdict for a task whose supervisor answered. */
export function judgeResponse(task: SandboxTask, response: SupervisorResponse, backend: string, timeoutMs: number): Verdict {
  let judgement: Judgement;
  if (response.setupError) {
    judgement = { status: 'error', message: `the task could not be set up: ${response.setupError}`, tests: [] };
  } else if (response.timedOut) {
    judgement = { status: 'timeout', message: `killed after the ${timeoutMs} ms wall-clock limit`, tests: partialTests(task, response) };
  } else if (response.oomKilled) {
    judgement = { status: 'out_of_memory', message: 'killed by the out-of-memory killer at the memory limit', tests: partialTests(task, response) };
  } else {
    judgement = handlerOf(task).judge(task, response);
  }
  return buildVerdict(task, judgement, response, backend);
}

/** A verdict for a task whose container died before answering (it killed its supervisor, or the engine failed). */
export function lostVerdict(task: SandboxTask, reason: string, durationMs: number, backend: string): Verdict {
  const response: SupervisorResponse = {
    id: task.id ?? null,
    exitCode: null,
    signal: null,
    timedOut: false,
    oomKilled: false,
    durationMs,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    stdoutBytes: 0,
    stderrBytes: 0,
    result: null,
    leftovers: [],
  };
  return buildVerdict(task, { status: 'crashed', message: `the sandbox was lost while the task ran: ${reason}`, tests: [] }, response, backend);
}

function partialTests(task: SandboxTask, response: SupervisorResponse) {
  try {
    return handlerOf(task).judge(task, response).tests;
  } catch {
    return [];
  }
}

export interface NormaliseOptions {
  /** Row field that holds the candidate (code / solution / patch); default per format. */
  solutionField?: string;
}

/**
 * A task from a row of a task file: a row with `format` is taken as a task (with the candidate
 * taken from `solutionField` when given); a raw MBPP row (`test_list`) or HumanEval row
 * (`entry_point` + `test`) becomes a `python-asserts` task, a raw BigCodeBench row (`code_prompt`,
 * `test`, `libs`) a `pytest` task in the bigcodebench image (default candidate: its canonical solution).
 */
export function normaliseTask(row: unknown, index: number, options: NormaliseOptions = {}): SandboxTask {
  if (!row || typeof row !== 'object' || Array.isArray(row)) throw new SandboxConfigError(`row ${index + 1}: expected a JSON object`);
  const r = row as Record<string, unknown>;
  const field = options.solutionField;
  const candidate = (fallback: string): string => {
    const name = field ?? fallback;
    const value = r[name];
    if (typeof value !== 'string') throw new SandboxConfigError(`row ${index + 1}: field "${name}" (the candidate solution) is missing or not a string`);
    return value;
  };
  const id = String(r.id ?? r.task_id ?? index + 1);
  if (typeof r.format === 'string') {
    const task = { ...r, id } as unknown as SandboxTask;
    if (field !== undefined) {
      if (task.format === 'python-asserts') task.code = candidate(field);
      else if (task.format === 'repo-patch' || task.format === 'swebench') task.patch = candidate(field);
      else task.solution = candidate(field);
    }
    checkShape(task, index);
    return task;
  }
  if (isBigCodeBenchRow(r)) {
    const solution = field ? candidate(field) : bigCodeBenchReference(r as { code_prompt: string; canonical_solution: string });
    return bigCodeBenchTask(r as { test: string }, solution, id);
  }
  if (Array.isArray(r.test_list)) {
    return {
      format: 'python-asserts',
      id,
      code: candidate('code'),
      setup: typeof r.test_setup_code === 'string' ? r.test_setup_code : '',
      tests: r.test_list.map(String),
    };
  }
  if (typeof r.entry_point === 'string' && typeof r.test === 'string' && typeof r.prompt === 'string') {
    const body = field ? candidate(field) : candidate('canonical_solution');
    return { format: 'python-asserts', id, code: r.prompt + body, tests: [`${r.test}\ncheck(${r.entry_point})`] };
  }
  throw new SandboxConfigError(
    `row ${index + 1}: cannot tell its format; give "format" (python-asserts, pytest, java-junit, repo-patch, swebench) or use MBPP (test_list), HumanEval (entry_point, test) or BigCodeBench (code_prompt, test, libs) fields`,
  );
}

function checkShape(task: SandboxTask, index: number): void {
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new SandboxConfigError(`row ${index + 1} (${task.format}): ${what}`);
  };
  switch (task.format) {
    case 'python-asserts':
      need(typeof task.code === 'string' && Array.isArray(task.tests), 'needs "code" (string) and "tests" (array of strings)');
      break;
    case 'pytest':
      need(typeof task.files === 'object' && task.files !== null, 'needs "files" (path -> content)');
      break;
    case 'java-junit':
      need(typeof task.files === 'object' && Array.isArray(task.testClasses), 'needs "files" and "testClasses"');
      break;
    case 'repo-patch':
      need(typeof task.repo === 'object' && typeof task.patch === 'string' && typeof task.testCommand === 'string', 'needs "repo", "patch" and "testCommand"');
      break;
    case 'swebench':
      need(typeof task.instance === 'object' && task.instance !== null && typeof task.patch === 'string', 'needs "instance" (a SWE-bench row) and "patch"');
      break;
    default:
      throw new SandboxConfigError(`row ${index + 1}: unknown format "${(task as { format: string }).format}"`);
  }
}
