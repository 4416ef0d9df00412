import type { StepImpl } from '../../engine/kind.js';
import { reapSandboxLeftovers } from '../../sandbox/docker/reaper.js';
import { createSandboxProvider, sandboxOptions, type SandboxProvider, type SandboxProviderSettings } from './provider.js';
import { sandboxRun, type CheckpointOptions } from './run.js';

export { createSandboxProvider, sandboxOptions, type SandboxProvider, type SandboxProviderSettings } from './provider.js';
export { reapSandboxLeftovers } from '../../sandbox/docker/reaper.js';

export interface SandboxStepDependencies {
  /** The worker's sandbox (whoever built it closes it at shutdown). */
  sandbox: SandboxProvider;
  /** How often a long run saves its verdicts so far for a retry to resume from. */
  checkpoints?: CheckpointOptions;
}

export function createSandboxSteps(deps: SandboxStepDependencies) {
  return { 'sandbox.run': sandboxRun(deps.sandbox, deps.checkpoints) };
}

/**
 * For a worker that serves the `sandbox` queue: removes the containers a crashed predecessor left
 * (see sandbox/docker/reaper.ts), then returns the sandbox provider to pass as
 * `StepDependencies.sandbox`; call its `close()` at shutdown. An unreachable engine is reported,
 * not thrown: the worker still starts, and sandbox steps fail with a message saying how to start one.
 */
export async function startWorkerSandbox(settings: SandboxProviderSettings, warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<SandboxProvider> {
  const options = sandboxOptions(settings);
  if (options.docker) {
    try {
      const { removed } = await reapSandboxLeftovers({ docker: options.docker });
      if (removed.length) warn(`sandbox: removed ${removed.length} containers left by a previous worker`);
    } catch (err) {
      warn(`sandbox: could not reap leftover containers: ${(err as Error).message}`);
    }
  }
  return createSandboxProvider(options);
}
