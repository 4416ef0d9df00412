/**
 * Benchmark rows -> task records: the sandbox task fields at the top level (so `sandbox.run`
 * judges a record with `solutionField: fix` or `reference`), plus what models and reports need:
 * `id`, `benchmark`, `language`, `category`, `statement`, `buggy` (the program to repair; '' for
 * generation tasks), `reference` (the known-good fix) and `prompt` (what the student is given).
 */
import { PermanentError } from '../../core/errors.js';
import { bigCodeBenchReference, bigCodeBenchTask, parseLibs } from '../../sandbox/formats/bigcodebench.js';
import { mutate } from './mutate.js';
import type { Retrieval } from './retrieval.js';
import { fromSweBench } from './swebench.js';
import { taskPrompt } from './prompts.js';
import type { SweBenchSettings } from '../../sandbox/swebench/settings.js';

export type BenchmarkName = 'mbpp' | 'humaneval' | 'bigcodebench' | 'swebench' | 'defects4j';
export type TaskMode = 'repair' | 'generate';
export type Row = Record<string, unknown>;
export type TaskRecord = Record<string, unknown> & { id: string; benchmark: BenchmarkName; prompt: string; reference: string; buggy: string; category: string };

/** MBPP's standard splits by task_id (google-research README; Hugging Face uses the same). */
export const MBPP_SPLITS: Record<string, [number, number]> = { prompt: [1, 10], test: [11, 510], validation: [511, 600], train: [601, 974] };

export function mbppSplitOf(taskId: number): string {
  for (const [name, [lo, hi]] of Object.entries(MBPP_SPLITS)) if (taskId >= lo && taskId <= hi) return name;
  return 'train';
}

function str(row: Row, field: string, where: string): string {
  const v = row[field];
  if (typeof v !== 'string') throw new PermanentError(`${where}: field "${field}" is missing or not a string`);
  return v;
}

const unix = (code: string) => code.replace(/\r\n/g, '\n');

/** For repair mode on a generation benchmark: a seeded mutant of the reference, or undefined (no site). */
function repairOf(reference: string, id: string, seed: number): { buggy: string; category: string } | undefined {
  let h = seed >>> 0;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const m = mutate(reference, h);
  return m ? { buggy: m.code, category: m.kind } : undefined;
}

function pythonTask(base: { id: string; benchmark: BenchmarkName; statement: string; reference: string; tests: string[]; setup?: string; extra?: Row }, mode: TaskMode, seed: number): TaskRecord | undefined {
  let buggy = '';
  let category = 'generate';
  if (mode === 'repair') {
    const r = repairOf(base.reference, base.id, seed);
    if (!r) return undefined;
    ({ buggy, category } = r);
  }
  return {
    format: 'python-asserts',
    id: base.id,
    benchmark: base.benchmark,
    language: 'python',
    category,
    statement: base.statement,
    buggy,
    reference: base.reference,
    tests: base.tests,
    ...(base.setup ? { setup: base.setup } : {}),
    prompt: taskPrompt({ statement: base.statement, language: 'python', buggy, tests: base.tests }),
    ...base.extra,
  };
}

export function fromMbpp(row: Row, where: string, mode: TaskMode, seed: number): TaskRecord | undefined {
  const taskId = Number(row.task_id);
  const tests = row.test_list;
  if (!Number.isInteger(taskId) || !Array.isArray(tests)) throw new PermanentError(`${where}: not an MBPP row (needs task_id and test_list)`);
  return pythonTask(
    { id: String(taskId), benchmark: 'mbpp', statement: str(row, 'text', where), reference: unix(str(row, 'code', where)), tests: tests.map(String), setup: typeof row.test_setup_code === 'string' ? unix(row.test_setup_code) : '', extra: { split: mbppSplitOf(taskId) } },
    mode,
    seed,
  );
}

export function fromHumanEval(row: Row, where: string, mode: TaskMode, seed: number): TaskRecord | undefined {
  const prompt = str(row, 'prompt', where);
  const entry = str(row, 'entry_point', where);
  return pythonTask(
    { id: String(row.task_id ?? where), benchmark: 'humaneval', statement: prompt, reference: prompt + str(row, 'canonical_solution', where), tests: [`${str(row, 'test', where)}\ncheck(${entry})`] },
    mode,
    seed,
  );
}

/** BigCodeBench's two prompt splits: `complete` (docstring + signature) and `instruct` (natural language). */
export type BigCodeBenchSplit = 'complete' | 'instruct';

/**
 * BigCodeBench: its unittest `TestCases` over `entry_point`, run by pytest in the bigcodebench
 * image (sandbox/formats/bigcodebench.ts); `libs` is kept on the record.
 */
export function fromBigCodeBench(row: Row, where: string, mode: TaskMode, seed: number, split: BigCodeBenchSplit = 'instruct'): TaskRecord | undefined {
  const codePrompt = str(row, 'code_prompt', where);
  const reference = bigCodeBenchReference({ code_prompt: codePrompt, canonical_solution: str(row, 'canonical_solution', where) });
  const statement = str(row, split === 'complete' ? 'complete_prompt' : 'instruct_prompt', where);
  const id = String(row.task_id ?? where);
  let buggy = '';
  let category = 'generate';
  if (mode === 'repair') {
    const r = repairOf(reference, id, seed);
    if (!r) return undefined;
    ({ buggy, category } = r);
  }
  const { solution: _unset, ...task } = bigCodeBenchTask({ test: str(row, 'test', where) }, '', id);
  return {
    ...task,
    id,
    benchmark: 'bigcodebench',
    language: 'python',
    category,
    statement,
    buggy,
    reference,
    entry_point: typeof row.entry_point === 'string' ? row.entry_point : 'task_func',
    libs: parseLibs(row.libs),
    split,
    prompt: taskPrompt({ statement, language: 'python', buggy }),
  };
}

/**
 * Defects4J-style (not the Defects4J framework, which fetches its projects at run time; see
 * docs/benchmarks/defects4j.md for the mapping): a small Java project (`files`: sources and JUnit 4 tests), `testClasses`, the
 * path of the buggy class (`buggyPath`, its content in `files` is the buggy version) and the
 * developer's `fixed` version of that class. The candidate replaces the buggy class.
 */
export function fromDefects4J(row: Row, where: string): TaskRecord {
  const files = row.files as Record<string, string> | undefined;
  const buggyPath = str(row, 'buggyPath', where);
  if (!files || typeof files[buggyPath] !== 'string') throw new PermanentError(`${where}: "files" must hold the buggy class at buggyPath (${buggyPath})`);
  const testClasses = Array.isArray(row.testClasses) ? row.testClasses.map(String) : [];
  if (testClasses.length === 0) throw new PermanentError(`${where}: "testClasses" must name at least one JUnit test class`);
  const statement = typeof row.description === 'string' ? row.description : `The tests ${testClasses.join(', ')} fail.`;
  const buggy = files[buggyPath]!;
  return {
    format: 'java-junit',
    id: String(row.id ?? where),
    benchmark: 'defects4j',
    language: 'java',
    category: String(row.project ?? 'default'),
    statement,
    buggy,
    reference: str(row, 'fixed', where),
    files,
    testClasses,
    solutionPath: buggyPath,
    prompt: taskPrompt({ statement, language: 'java', buggy }),
  };
}

export interface ToTaskOptions {
  /** bigcodebench: which prompt the model sees (complete, instruct). */
  split?: string;
  /** swebench: which code the prompt shows (oracle: the files the gold patch edits; bm25). */
  retrieval?: Retrieval;
  /** swebench: where its repositories come from. */
  swebench?: SweBenchSettings;
}

export async function toTask(benchmark: BenchmarkName, row: Row, where: string, mode: TaskMode, seed: number, options: ToTaskOptions = {}): Promise<TaskRecord | undefined> {
  switch (benchmark) {
    case 'mbpp':
      return fromMbpp(row, where, mode, seed);
    case 'humaneval':
      return fromHumanEval(row, where, mode, seed);
    case 'bigcodebench':
      return fromBigCodeBench(row, where, mode, seed, options.split === 'complete' ? 'complete' : 'instruct');
    case 'swebench':
      return fromSweBench(row, where, { ...(options.retrieval ? { retrieval: options.retrieval } : {}), ...(options.swebench ? { settings: options.swebench } : {}) });
    case 'defects4j':
      return fromDefects4J(row, where);
  }
}
