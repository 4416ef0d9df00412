import { defineKinds } from '../define.js';
import { sandboxSpecs } from './specs.js';

// Without the worker's sandbox (one it started and closes), the family builds its own on first use.
export const sandboxKinds = defineKinds('kinds/sandbox/kinds.ts', sandboxSpecs, async (deps) => {
  const { createSandboxSteps, createSandboxProvider, sandboxOptions } = await import('./index.js');
  return createSandboxSteps({ sandbox: deps.sandbox ?? createSandboxProvider(sandboxOptions(deps.settings)) });
});
