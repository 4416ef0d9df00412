/** The evaluation step kinds (pure computation over stored datasets: no clients). */
import type { StepImpl } from '../../engine/kind.js';
import { evalCompare } from './compare.js';
import { evalMetrics } from './metrics.js';

export function createEvalSteps() {
  return {
    'eval.metrics': evalMetrics,
    'eval.compare': evalCompare,
  };
}

export { evalSpecs } from './specs.js';
