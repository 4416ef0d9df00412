import { defineKinds } from '../define.js';
import { trainingSpecs } from './specs.js';

export const trainingKinds = defineKinds('kinds/training/kinds.ts', trainingSpecs, async (deps) => (await import('./index.js')).createTrainingSteps({ training: deps.settings.training, ...(deps.settings.tracking ? { tracking: deps.settings.tracking } : {}) }));
