import { defineKinds } from '../define.js';
import { trainingSpecs } from './specs.js';

export const trainingKinds = defineKinds('kinds/training/kinds.ts', trainingSpecs, async (deps) => (await import('./index.js')).createTrainingSteps(deps));
