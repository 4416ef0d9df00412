/**
 * Worker-side registry: each family's factory receives its clients and returns its step
 * implementations by `uses` name. Each family adds one line here.
 */
import type { StepImpl } from './define.js';
import type { ArtifactStore } from '../store/types.js';

export interface StepDependencies {
  store: ArtifactStore;
  env: NodeJS.ProcessEnv;
}

export type StepImplementations = Record<string, StepImpl>;

export function createStepImplementations(deps: StepDependencies): StepImplementations {
  const families: StepImplementations[] = [
  ];
  return Object.assign({}, ...families) as StepImplementations;
}
