/**
 * How a family of step kinds pairs each spec with its implementation. The spec is plain data the
 * compiler reads; the implementation is imported only when a worker first loads it (never by the
 * compiler or the CLI's `validate`). The TypeScript input and output of each implementation are
 * derived from the spec's JSON Schemas, so the two cannot disagree.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { TrackingSettings } from '../activities/tracking/settings.js';
import type { ClaudeSettings, SandboxSettings } from '../core/env.js';
import { PermanentError } from '../core/errors.js';
import type { StepImpl, StepSpec } from '../engine/kind.js';
import type { SweBenchSettings } from '../sandbox/swebench/settings.js';
import type { ArtifactStore } from '../store/types.js';
import type { SandboxProvider } from './sandbox/provider.js';
import type { TrainingSettings } from './training/settings.js';

/**
 * The families' parts of the worker's typed settings (worker/settings.ts reads the environment
 * once into them); each family's `load` hands its factory the slice it uses.
 */
export interface KindSettings {
  claude: ClaudeSettings;
  sandbox: SandboxSettings;
  swebench: SweBenchSettings;
  training: TrainingSettings;
  /** MLflow, where training steps log their nested runs; none when unset. */
  tracking?: TrackingSettings;
}

/** What a worker hands every family when it loads their implementations. */
export interface StepDependencies {
  store: ArtifactStore;
  settings: KindSettings;
  /** Folder that relative dataset paths are resolved against. */
  dataRoot: string;
  /** The sandbox this worker judges code in (started by the worker, which closes it); default: one built from `settings`. */
  sandbox?: SandboxProvider;
}

type Derived<S> = S extends JSONSchema ? FromSchema<S, { keepDefaultedPropertiesOptional: true }> : never;

/** The `with:` object a kind's implementation receives (after the runtime checked it and filled defaults). */
export type InputOf<S extends StepSpec> = Derived<S['input']>;
/** The outputs a kind's implementation returns. */
export type OutputOf<S extends StepSpec> = Derived<S['output']>;

/** An implementation of the kind `S`: its input and output types are its schemas'. */
export type KindImpl<S extends StepSpec> = StepImpl<InputOf<S>, OutputOf<S>>;

/** The spec named `Name` among a family's specs (`SpecNamed<typeof dataSpecs, 'data.filter'>`). */
export type SpecNamed<Specs extends readonly StepSpec[], Name extends Specs[number]['name']> = Extract<Specs[number], { name: Name }>;

/** The implementations a family's `load` must return: one per spec, named by `uses`, typed by its schemas. */
export type ImplementationsOf<Specs extends readonly StepSpec[]> = {
  [S in Specs[number] as S['name']]: StepImpl<InputOf<S>, OutputOf<S>>;
};

export type Implementations = Record<string, StepImpl>;

/** One step kind: its spec, and how a worker gets its implementation. */
export interface KindDefinition {
  readonly spec: StepSpec;
  /** The file that defines the kind (for messages). */
  readonly definedIn: string;
  /** Loads the family's implementations (once per dependencies object) and returns this kind's. */
  load(deps: StepDependencies): Promise<StepImpl>;
  /** The family's implementations, all of them (to check that each has a spec). */
  loadFamily(deps: StepDependencies): Promise<Implementations>;
}

/** A family's specs and its implementations disagree, or an implementation failed to load. */
export class KindRegistryError extends PermanentError {}

/**
 * Defines a family's kinds: its specs and one lazy `load` that builds all its implementations
 * (sharing clients), e.g. `(deps) => import('./index.js').then((m) => m.createClaudeSteps(deps))`.
 * TypeScript checks that `load` returns one implementation per spec with the input and output
 * types of its schemas; `loadKinds` checks the same at run time, and the reverse.
 */
export function defineKinds<const Specs extends readonly StepSpec[]>(
  definedIn: string,
  specs: Specs,
  load: (deps: StepDependencies) => Promise<ImplementationsOf<Specs>>,
): KindDefinition[] {
  const loaded = new WeakMap<StepDependencies, Promise<Implementations>>();
  const loadFamily = (deps: StepDependencies): Promise<Implementations> => {
    let family = loaded.get(deps);
    if (!family) {
      family = load(deps) as Promise<unknown> as Promise<Implementations>;
      loaded.set(deps, family);
    }
    return family;
  };
  return specs.map((spec) => ({
    spec,
    definedIn,
    loadFamily,
    async load(deps) {
      const impl = (await loadFamily(deps))[spec.name];
      if (typeof impl !== 'function') {
        throw new KindRegistryError(`step kind ${spec.name} has a spec but no implementation: the load function in ${definedIn} returns none under that name`);
      }
      return impl;
    },
  }));
}
