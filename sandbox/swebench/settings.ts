/**
 * Settings of SWE-bench evaluation, from the environment (documented in docs/benchmarks/swebench.md):
 *   REPAIRITY_SWEBENCH_PYTHON        interpreter with swebench 5.0.2 (grading, log parsers)
 *   REPAIRITY_SWEBENCH_SPECS_PYTHON  interpreter with swebench 4.1.0 (per-repo/per-version specs)
 *   REPAIRITY_SWEBENCH_REPOS         folder of local mirrors, <owner>__<name> (a git repository or
 *                                    clone each); checked before cloning
 *   REPAIRITY_SWEBENCH_CLONE_URL     clone URL template, {repo} -> owner/name
 *                                    (default https://github.com/{repo}.git)
 *   REPAIRITY_SWEBENCH_TIMEOUT_S     wall-clock limit of one evaluation (default 1800, the harness's)
 */
import path from 'node:path';
import { ENV, positiveNumber } from '../../core/env.js';

export interface SweBenchSettings {
  python: string;
  specsPython: string;
  reposDir?: string;
  cloneUrl: string;
  timeoutMs: number;
  /** $REPAIRITY_CACHE: repository clones, wheelhouses and image build contexts live under it. */
  cacheDir: string;
}

export function readSweBenchSettings(cacheDir: string, env: NodeJS.ProcessEnv): SweBenchSettings {
  const timeout = positiveNumber(env, ENV.REPAIRITY_SWEBENCH_TIMEOUT_S) ?? 1800;
  return {
    python: env[ENV.REPAIRITY_SWEBENCH_PYTHON] || path.join(cacheDir, 'swebench-5.0.2-venv', 'bin', 'python'),
    specsPython: env[ENV.REPAIRITY_SWEBENCH_SPECS_PYTHON] || path.join(cacheDir, 'swebench-4.1.0-venv', 'bin', 'python'),
    ...(env[ENV.REPAIRITY_SWEBENCH_REPOS] ? { reposDir: env[ENV.REPAIRITY_SWEBENCH_REPOS] } : {}),
    cloneUrl: env[ENV.REPAIRITY_SWEBENCH_CLONE_URL] || 'https://github.com/{repo}.git',
    timeoutMs: timeout * 1000,
    cacheDir,
  };
}
