/** `eval.compare`: paired significance of two models on the same tasks. */
import { PermanentError } from '../../core/errors.js';
import { readRecords } from '../data/records.js';
import type { StepImpl } from '../../engine/kind.js';
import { mcnemarExact, pairedBootstrap } from './estimators.js';
import type { TaskResult } from './metrics.js';
import type { InputOf, KindImpl } from '../define.js';
import type { compareSpec } from './specs.js';

export type CompareInput = InputOf<typeof compareSpec>;

async function load(ctx: Parameters<StepImpl>[1], uri: string): Promise<Map<string, TaskResult>> {
  const out = new Map<string, TaskResult>();
  for await (const r of readRecords(ctx.store, uri)) out.set(String((r as TaskResult).id), r as TaskResult);
  return out;
}

export function compareTasks(a: Map<string, TaskResult>, b: Map<string, TaskResult>, opts: { resamples?: number; seed?: number } = {}) {
  const ids = [...a.keys()].filter((id) => b.has(id));
  if (ids.length !== a.size || ids.length !== b.size) {
    throw new PermanentError(`eval.compare needs both models scored on the same tasks (${a.size} and ${b.size} tasks, ${ids.length} shared)`);
  }
  let onlyA = 0;
  let onlyB = 0;
  for (const id of ids) {
    const ra = a.get(id)!.resolved;
    const rb = b.get(id)!.resolved;
    if (ra && !rb) onlyA++;
    if (rb && !ra) onlyB++;
  }
  const boot = pairedBootstrap(ids.map((id) => a.get(id)!.passAt1), ids.map((id) => b.get(id)!.passAt1), opts);
  return { tasks: ids.length, onlyA, onlyB, mcnemarP: mcnemarExact(onlyA, onlyB), delta: boot.delta, bootstrapP: boot.pValue, ci95: boot.ci95 };
}

export const evalCompare: KindImpl<typeof compareSpec> = async (input, ctx) => {
  const result = compareTasks(await load(ctx, input.a), await load(ctx, input.b), { resamples: input.resamples ?? 2000, seed: input.seed ?? 0 });
  return { labelA: input.labelA ?? 'A', labelB: input.labelB ?? 'B', ...result };
};
