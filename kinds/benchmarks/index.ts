/** Benchmark loaders and the glue between model answers and sandbox tasks. */
import { cacheDirOf } from '../../core/env.js';
import { readSweBenchSettings } from '../../sandbox/swebench/settings.js';
import { attach } from './attach.js';
import { exportAnswers } from './export.js';
import { judgeItems } from './judge-items.js';
import { lastGood, promote } from './last-good.js';
import { createLoadStep } from './load.js';
import { preferences } from './preferences.js';
import { select } from './select.js';

export interface BenchmarkStepOptions {
  /** Relative benchmark paths are resolved against this folder. */
  dataRoot: string;
  /** The worker's environment, for where SWE-bench repositories come from (REPAIRITY_SWEBENCH_*). */
  env: NodeJS.ProcessEnv;
}

export function createBenchmarkSteps(opts: BenchmarkStepOptions) {
  return {
    'benchmarks.load': createLoadStep(opts.dataRoot, readSweBenchSettings(cacheDirOf(opts.env), opts.env)),
    'benchmarks.attach': attach,
    'benchmarks.select': select,
    'benchmarks.judge_items': judgeItems,
    'benchmarks.preferences': preferences,
    'benchmarks.last_good': lastGood,
    'benchmarks.promote': promote,
    'benchmarks.export': exportAnswers,
  };
}

export { benchmarksSpecs } from './specs.js';
