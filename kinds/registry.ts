/**
 * Every step kind, family by family: the one registry. The compiler reads its specs (never
 * loading an implementation); workers load its implementations. A new family adds one line here.
 */
import { benchmarksKinds } from './benchmarks/kinds.js';
import { claudeKinds } from './claude/kinds.js';
import { dataKinds } from './data/kinds.js';
import type { KindDefinition } from './define.js';
import { evalKinds } from './eval/kinds.js';
import { reportKinds } from './report/kinds.js';
import { sandboxKinds } from './sandbox/kinds.js';
import { trainingKinds } from './training/kinds.js';

export const kindDefinitions: readonly KindDefinition[] = [
  ...dataKinds,
  ...claudeKinds,
  ...sandboxKinds,
  ...trainingKinds,
  ...evalKinds,
  ...benchmarksKinds,
  ...reportKinds,
];
