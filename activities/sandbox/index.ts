import type { StepImpl } from '../define.js';
import { createSandboxProvider, sandboxOptionsFromEnv, type SandboxProvider } from './provider.js';
import { sandboxRun } from './run.js';

export { createSandboxProvider, sandboxOptionsFromEnv, type SandboxProvider } from './provider.js';
export { reapSandboxLeftovers } from '../../sandbox/docker/reaper.js';

export interface SandboxStepDependencies {
  env: NodeJS.ProcessEnv;
  /** The worker's sandbox; default: one built from `env` on first use (close it at shutdown via the provider you pass). */
  sandbox?: SandboxProvider;
}

export function createSandboxSteps(deps: SandboxStepDependencies): Record<string, StepImpl> {
  const provider = deps.sandbox ?? createSandboxProvider(sandboxOptionsFromEnv(deps.env));
  return { 'sandbox.run': sandboxRun(provider) };
}
