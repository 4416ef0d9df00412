/**
 * Every step kind's spec, by `uses` name: what the compiler checks pipelines against. Built from
 * the registry's specs only; no implementation is loaded.
 */
import type { StepSpec } from '../engine/kind.js';
import { kindDefinitions } from './registry.js';
import { InternalError } from '../core/errors.js';

export type StepCatalog = ReadonlyMap<string, StepSpec>;

export function buildCatalog(extra: readonly StepSpec[] = []): StepCatalog {
  const map = new Map<string, StepSpec>();
  for (const spec of [...kindDefinitions.map((k) => k.spec), ...extra]) {
    if (map.has(spec.name)) throw new InternalError(`step kind ${spec.name} is registered twice`);
    map.set(spec.name, spec);
  }
  return map;
}

export const defaultCatalog: StepCatalog = buildCatalog();
