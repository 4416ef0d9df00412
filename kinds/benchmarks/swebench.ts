/**
 * SWE-bench rows in the published schema -> `swebench` task records: the instance as the sandbox
 * grades it (sandbox/swebench/), and a repair prompt with the issue and the relevant code: the
 * files the gold patch edits (`oracle`, the SWE-bench paper's oracle retrieval) or BM25's pick.
 */
import { parseInstance, patchedFiles, type SweBenchInstance } from '../../sandbox/swebench/instance.js';
import { repositoryWith } from '../../sandbox/swebench/repo.js';
import type { SweBenchSettings } from '../../sandbox/swebench/settings.js';
import { bm25Files, oracleFiles, type RetrievedFile, type Retrieval } from './retrieval.js';
import type { Row, TaskRecord } from './formats.js';
import { PermanentError } from '../../core/errors.js';

export interface SweBenchLoadOptions {
  retrieval?: Retrieval;
  /** BM25: characters of code the prompt may hold (default 50 000). */
  maxChars?: number;
  /** Where the repositories come from (REPAIRITY_SWEBENCH_*, read by the worker at start). */
  settings?: SweBenchSettings;
}

function numbered(file: RetrievedFile): string {
  const lines = file.content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return [`[start of ${file.path}]`, ...lines.map((l, i) => `${i + 1} ${l}`), `[end of ${file.path}]`].join('\n');
}

export function sweBenchPrompt(instance: SweBenchInstance, files: RetrievedFile[]): string {
  return [
    `Below is an issue reported against the repository ${instance.repo} and some of its code at the commit the issue is about.`,
    '<issue>',
    instance.problem_statement.trim(),
    '</issue>',
    '<code>',
    ...files.map(numbered),
    '</code>',
    'Resolve the issue. Answer with one patch in unified diff format (as `git diff` writes it, paths relative to the repository root) that `git apply` can apply, inside <patch></patch>.',
  ].join('\n');
}

export async function fromSweBench(row: Row, where: string, options: SweBenchLoadOptions = {}): Promise<TaskRecord> {
  const instance = parseInstance(row, where);
  const settings = options.settings;
  if (!settings) throw new PermanentError(`${where}: this worker's benchmark steps were created without SWE-bench settings, so they cannot load SWE-bench instances`);
  const gitDir = await repositoryWith(settings, instance.repo, [instance.base_commit]);
  const files =
    options.retrieval === 'bm25'
      ? await bm25Files(gitDir, instance.base_commit, instance.problem_statement, options.maxChars ?? 50_000)
      : await oracleFiles(gitDir, instance.base_commit, patchedFiles(instance.patch));
  return {
    format: 'swebench',
    id: instance.instance_id,
    benchmark: 'swebench',
    language: 'diff',
    category: instance.repo,
    statement: instance.problem_statement,
    buggy: '',
    reference: instance.patch,
    instance,
    patch: '',
    retrieval: options.retrieval ?? 'oracle',
    contextFiles: files.map((f) => f.path),
    prompt: sweBenchPrompt(instance, files),
  };
}
