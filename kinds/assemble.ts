import type { StepImpl, StepKind } from '../engine/kind.js';
import type { StepCatalog } from './catalog.js';
import { InternalError } from '../core/errors.js';

/**
 * Pairs the implementations a test or benchmark worker serves with their specs (a chosen few
 * kinds, often test-only ones). Workers that serve the product's kinds use `loadKinds`, which
 * also refuses a spec without an implementation.
 */
export function assembleKinds(catalog: StepCatalog, implementations: Record<string, StepImpl>): Map<string, StepKind> {
  const kinds = new Map<string, StepKind>();
  for (const [name, run] of Object.entries(implementations)) {
    const spec = catalog.get(name);
    if (!spec) throw new InternalError(`step implementation ${name} has no spec in the catalog (kinds/registry.ts, or the worker's extra specs)`);
    kinds.set(name, { spec, run });
  }
  return kinds;
}
