/**
 * A SWE-bench instance in the published schema (princeton-nlp/SWE-bench, SWE-bench Verified):
 * instance_id, repo, base_commit, patch, test_patch, problem_statement, hints_text, version,
 * environment_setup_commit, FAIL_TO_PASS, PASS_TO_PASS (JSON-encoded lists in the published
 * files, plain lists accepted too), and a prediction in the harness's predictions schema.
 */
import { SandboxConfigError } from '../errors.js';

export interface SweBenchInstance {
  instance_id: string;
  repo: string;
  base_commit: string;
  patch: string;
  test_patch: string;
  problem_statement: string;
  hints_text: string;
  version: string;
  environment_setup_commit: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  created_at?: string;
}

/** One row of a SWE-bench predictions file. `model_patch` null or '' is an empty prediction. */
export interface SweBenchPrediction {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string | null;
}

const REQUIRED = ['instance_id', 'repo', 'base_commit', 'patch', 'test_patch', 'problem_statement', 'version'] as const;

function testList(value: unknown, field: string, where: string): string[] {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      throw new SandboxConfigError(`${where}: ${field} is a string but not a JSON list of test names`);
    }
  }
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) throw new SandboxConfigError(`${where}: ${field} must be a list of test names (or its JSON encoding)`);
  return list as string[];
}

export function parseInstance(row: unknown, where: string): SweBenchInstance {
  if (!row || typeof row !== 'object' || Array.isArray(row)) throw new SandboxConfigError(`${where}: expected a SWE-bench instance (a JSON object)`);
  const r = row as Record<string, unknown>;
  for (const field of REQUIRED) {
    if (typeof r[field] !== 'string') throw new SandboxConfigError(`${where}: field "${field}" of a SWE-bench instance is missing or not a string`);
  }
  // Published rows carry the version as a string ("1.12"); a number would lose "1.10"'s zero.
  return {
    instance_id: r.instance_id as string,
    repo: r.repo as string,
    base_commit: r.base_commit as string,
    patch: r.patch as string,
    test_patch: r.test_patch as string,
    problem_statement: r.problem_statement as string,
    hints_text: typeof r.hints_text === 'string' ? r.hints_text : '',
    version: r.version as string,
    environment_setup_commit: typeof r.environment_setup_commit === 'string' ? r.environment_setup_commit : (r.base_commit as string),
    FAIL_TO_PASS: testList(r.FAIL_TO_PASS, 'FAIL_TO_PASS', where),
    PASS_TO_PASS: testList(r.PASS_TO_PASS ?? '[]', 'PASS_TO_PASS', where),
    ...(typeof r.created_at === 'string' ? { created_at: r.created_at } : {}),
  };
}

export function parsePrediction(row: unknown, where: string): SweBenchPrediction {
  const r = (row ?? {}) as Record<string, unknown>;
  if (typeof r.instance_id !== 'string') throw new SandboxConfigError(`${where}: a SWE-bench prediction needs "instance_id"`);
  if (r.model_patch !== null && r.model_patch !== undefined && typeof r.model_patch !== 'string') throw new SandboxConfigError(`${where}: "model_patch" must be a string (a unified diff) or null`);
  return { instance_id: r.instance_id, model_name_or_path: typeof r.model_name_or_path === 'string' ? r.model_name_or_path : 'unknown', model_patch: (r.model_patch as string | null | undefined) ?? null };
}

/** The files a unified diff touches (its `diff --git a/X b/Y` headers; `+++ b/Y` when there are none). */
export function patchedFiles(patch: string): string[] {
  const files = [...patch.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1]!);
  if (files.length === 0) files.push(...[...patch.matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => m[1]!));
  return [...new Set(files)];
}
