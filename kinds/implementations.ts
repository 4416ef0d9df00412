/**
 * Worker side of the registry: loads every kind's implementation and pairs it with its spec.
 * Refuses (KindRegistryError) when a spec has no implementation or an implementation no spec.
 */
import type { StepKind } from '../engine/kind.js';
import { KindRegistryError, type Implementations, type KindDefinition, type StepDependencies } from './define.js';
import { kindDefinitions } from './registry.js';

export async function loadKinds(deps: StepDependencies, definitions: readonly KindDefinition[] = kindDefinitions): Promise<Map<string, StepKind>> {
  const problems: string[] = [];
  const kinds = new Map<string, StepKind>();
  const families = new Map<KindDefinition['loadFamily'], { definedIn: string; names: Set<string>; impls?: Implementations }>();
  for (const def of definitions) {
    const family = families.get(def.loadFamily) ?? { definedIn: def.definedIn, names: new Set<string>() };
    family.names.add(def.spec.name);
    families.set(def.loadFamily, family);
  }
  for (const [loadFamily, family] of families) {
    try {
      family.impls = await loadFamily(deps);
    } catch (err) {
      problems.push(`the implementations of ${[...family.names].join(', ')} (${family.definedIn}) failed to load: ${(err as Error).message}`);
      continue;
    }
    for (const name of Object.keys(family.impls)) {
      if (!family.names.has(name)) problems.push(`step implementation ${name} has no spec: add its spec to the specs ${family.definedIn} defines`);
    }
  }
  for (const def of definitions) {
    const impls = families.get(def.loadFamily)!.impls;
    if (!impls) continue;
    const run = impls[def.spec.name];
    if (kinds.has(def.spec.name)) problems.push(`step kind ${def.spec.name} is defined twice (${def.definedIn})`);
    else if (typeof run !== 'function') problems.push(`step kind ${def.spec.name} has a spec but no implementation: the load function in ${def.definedIn} returns none under that name`);
    else kinds.set(def.spec.name, { spec: def.spec, run });
  }
  if (problems.length) throw new KindRegistryError(`the step kinds do not match their implementations:\n  ${problems.join('\n  ')}`);
  return kinds;
}
