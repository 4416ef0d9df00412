import { defineKinds } from '../define.js';
import { dataSpecs } from './specs.js';

export const dataKinds = defineKinds('kinds/data/kinds.ts', dataSpecs, async (deps) => (await import('./index.js')).createDataSteps(deps));
