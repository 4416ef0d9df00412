import { defineKinds } from '../define.js';
import { evalSpecs } from './specs.js';

export const evalKinds = defineKinds('kinds/eval/kinds.ts', evalSpecs, async () => (await import('./index.js')).createEvalSteps());
