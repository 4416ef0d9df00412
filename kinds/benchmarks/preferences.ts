/**
 * `benchmarks.preferences`: the teacher's verdicts (results of a `claude.judge` forEach over the
 * judge items, in item order) -> reward-model pairs `{prompt, chosen, rejected}`: the candidates'
 * whole responses (reasoning + code), the text PPO's reward model scores; their code when an item
 * has no response.
 */
import { PermanentError } from '../../core/errors.js';
import { writeRecords } from '../data/records.js';
import { allRows } from './rows.js';
import type { KindImpl } from '../define.js';
import type { preferencesSpec } from './specs.js';

interface Item {
  prompt: string;
  candidates: Array<{ id: string; code: string; response?: string }>;
}

export const preferences: KindImpl<typeof preferencesSpec> = async (input, ctx) => {
  const items = await allRows<Item>(ctx.store, input.items);
  const judgements = await allRows<{ index?: number; status?: string; outputs?: { preferences?: Array<{ chosen: string; rejected: string }> } }>(ctx.store, input.judgements);
  if (judgements.length !== items.length) throw new PermanentError(`benchmarks.preferences: ${judgements.length} judgements for ${items.length} items`, { step: ctx.stepId });
  const pairs: Array<{ id: string; prompt: string; chosen: string; rejected: string }> = [];
  let failed = 0;
  judgements.forEach((j, i) => {
    const item = items[j.index ?? i]!;
    if (j.status !== 'succeeded' || !j.outputs?.preferences) {
      failed++;
      return;
    }
    const text = new Map(item.candidates.map((c) => [c.id, c.response ?? c.code]));
    for (const p of j.outputs.preferences) {
      const chosen = text.get(p.chosen);
      const rejected = text.get(p.rejected);
      if (chosen === undefined || rejected === undefined || chosen === rejected) continue;
      pairs.push({ id: `${i}:${p.chosen}>${p.rejected}`, prompt: item.prompt, chosen, rejected });
    }
  });
  const { ref, count } = await writeRecords(ctx.store, pairs, { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count, failedJudgements: failed };
};
