/** Benchmark loaders and the glue between model answers and sandbox tasks. */
import type { SweBenchSettings } from '../../sandbox/swebench/settings.js';
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
  /** Where SWE-bench repositories and tools come from (REPAIRITY_SWEBENCH_*). */
  swebench: SweBenchSettings;
}

export function createBenchmarkSteps(opts: BenchmarkStepOptions) {
  return {
    'benchmarks.load': createLoadStep(opts.dataRoot, opts.swebench),
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
