/** The sandbox library: judge candidate programs against their tests in isolated containers. */
export { createSandbox, type Sandbox, type CreateSandboxOptions, type RunOptions } from './sandbox.js';
export { createDockerClient, assertDockerReachable } from './docker/client.js';
export { reapSandboxLeftovers, listSandboxContainers } from './docker/reaper.js';
export { normaliseTask } from './formats/index.js';
export { SandboxUnavailableError, SandboxConfigError, SandboxCancelledError } from './errors.js';
export type { SandboxOptions, BackendName, IsolationLimits } from './options.js';
export type { SandboxTask, Verdict, VerdictStatus, TestOutcome } from './types.js';
export { VERDICT_STATUSES } from './types.js';
