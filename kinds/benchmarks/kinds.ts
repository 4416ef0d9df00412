import { defineKinds } from '../define.js';
import { benchmarksSpecs } from './specs.js';

export const benchmarksKinds = defineKinds('kinds/benchmarks/kinds.ts', benchmarksSpecs, async (deps) => (await import('./index.js')).createBenchmarkSteps({ dataRoot: deps.dataRoot, swebench: deps.settings.swebench }));
