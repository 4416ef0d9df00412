/**
 * Worker-side registry: each family's factory receives its clients and returns its step
 * implementations by `uses` name. Each family adds one line here.
 */
import { createBenchmarkSteps } from './benchmarks/index.js';
import { createClaudeSteps } from './claude/index.js';
import { createDataSteps } from './data/index.js';
import { createEvalSteps } from './eval/index.js';
import { createReportSteps } from './report/index.js';
import { createSandboxSteps, type SandboxProvider } from './sandbox/index.js';
import { createTrainingSteps } from './training/index.js';
import type { StepImpl } from '../engine/kind.js';
import type { ArtifactStore } from '../store/types.js';
import { cacheDirOf } from '../core/env.js';
import { readSweBenchSettings } from '../sandbox/swebench/settings.js';

export interface StepDependencies {
  store: ArtifactStore;
  env: NodeJS.ProcessEnv;
  /** Folder that relative dataset paths are resolved against. */
  dataRoot: string;
  /** The sandbox this worker judges code in (started by the worker, which closes it); default: one from `env`. */
  sandbox?: SandboxProvider;
}

export type StepImplementations = Record<string, StepImpl>;

export function createStepImplementations(deps: StepDependencies): StepImplementations {
  const families: StepImplementations[] = [
    createDataSteps({ dataRoot: deps.dataRoot }),
    createClaudeSteps(deps),
    createSandboxSteps(deps),
    createTrainingSteps(deps),
    createEvalSteps(),
    createBenchmarkSteps({ dataRoot: deps.dataRoot, swebench: readSweBenchSettings(cacheDirOf(deps.env), deps.env) }),
    createReportSteps(),
  ];
  return Object.assign({}, ...families) as StepImplementations;
}
