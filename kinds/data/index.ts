import type { StepImpl } from '../../engine/kind.js';
import { filter } from './filter.js';
import { loadJsonl } from './load-jsonl.js';
import { map } from './map.js';
import { sample } from './sample.js';
import { split } from './split.js';
import { zip } from './zip.js';

export interface DataStepOptions {
  /** Relative dataset paths are resolved against this folder. */
  dataRoot: string;
}

export function createDataSteps(opts: DataStepOptions) {
  return {
    'data.load_jsonl': loadJsonl(opts.dataRoot),
    'data.filter': filter,
    'data.sample': sample,
    'data.split': split,
    'data.map': map,
    'data.zip': zip,
  } satisfies Record<string, StepImpl>;
}
