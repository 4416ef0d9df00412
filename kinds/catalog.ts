/**
 * Every step kind's spec, in one registry. The compiler checks pipelines against it; the
 * worker pairs each spec with its implementation. Each family adds one line here.
 */
import { benchmarksSpecs } from './benchmarks/specs.js';
import { claudeSpecs } from './claude/specs.js';
import { dataSpecs } from './data/specs.js';
import type { StepSpec } from '../engine/kind.js';
import { evalSpecs } from './eval/specs.js';
import { reportSpecs } from './report/specs.js';
import { sandboxSpecs } from './sandbox/specs.js';
import { trainingSpecs } from './training/specs.js';
import { InternalError } from '../core/errors.js';

const families: readonly (readonly StepSpec[])[] = [
  dataSpecs,
  claudeSpecs,
  sandboxSpecs,
  trainingSpecs,
  evalSpecs,
  benchmarksSpecs,
  reportSpecs,
];

export type StepCatalog = ReadonlyMap<string, StepSpec>;

export function buildCatalog(extra: readonly StepSpec[] = []): StepCatalog {
  const map = new Map<string, StepSpec>();
  for (const spec of [...families.flat(), ...extra]) {
    if (map.has(spec.name)) throw new InternalError(`step kind ${spec.name} is registered twice`);
    map.set(spec.name, spec);
  }
  return map;
}

export const defaultCatalog: StepCatalog = buildCatalog();
