import type { StepCatalog } from './catalog.js';
import type { StepImpl, StepKind } from '../engine/kind.js';
import { InternalError } from '../core/errors.js';

/** Pairs each spec with its implementation; specs whose implementation this worker lacks are left out. */
export function assembleKinds(catalog: StepCatalog, implementations: Record<string, StepImpl>): Map<string, StepKind> {
  const kinds = new Map<string, StepKind>();
  for (const [name, run] of Object.entries(implementations)) {
    const spec = catalog.get(name);
    if (!spec) throw new InternalError(`step implementation ${name} has no spec in kinds/catalog.ts`);
    kinds.set(name, { spec, run });
  }
  return kinds;
}
