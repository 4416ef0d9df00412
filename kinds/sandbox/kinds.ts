import { defineKinds } from '../define.js';
import { sandboxSpecs } from './specs.js';

export const sandboxKinds = defineKinds('kinds/sandbox/kinds.ts', sandboxSpecs, async (deps) => (await import('./index.js')).createSandboxSteps(deps));
