/**
 * BigCodeBench rows (task_id, complete_prompt, instruct_prompt, canonical_solution, code_prompt,
 * test, entry_point, libs) as pytest tasks in the `bigcodebench` image. The official harness runs
 * the solution and the test code in one module; the test file here imports every name of the
 * solution module (private ones and imported modules too) before the test code, to the same effect.
 */
import type { PytestTask } from '../types.js';

/** BigCodeBench publishes `libs` as a Python list literal ("['pandas', 'numpy']"); a JSON list is accepted too. */
export function parseLibs(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

export function isBigCodeBenchRow(row: Record<string, unknown>): boolean {
  return typeof row.code_prompt === 'string' && typeof row.test === 'string' && typeof row.canonical_solution === 'string' && 'libs' in row;
}

const unix = (code: string) => code.replace(/\r\n/g, '\n');

/** The canonical solution as a whole program: the code prompt (imports, signature) and its body. */
export function bigCodeBenchReference(row: { code_prompt: string; canonical_solution: string }): string {
  return unix(row.code_prompt + row.canonical_solution);
}

const HEADER = 'import solution as _solution\nglobals().update({k: v for k, v in vars(_solution).items() if not k.startswith("__")})\n';

export function bigCodeBenchTask(row: { task_id?: unknown; test: string }, solution: string, id: string): PytestTask {
  return {
    format: 'pytest',
    id,
    family: 'bigcodebench',
    files: { 'test_solution.py': `${HEADER}${unix(row.test)}\n` },
    solution,
    solutionPath: 'solution.py',
    args: ['test_solution.py'],
    timeoutMs: 120_000,
  };
}
