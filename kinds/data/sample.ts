import { PermanentError } from '../../core/errors.js';
import { recordExpression } from './per-record.js';
import { readRecords, writeRecords } from './records.js';
import { byRank, seededRank } from './seeded-order.js';
import type { KindImpl, SpecNamed } from '../define.js';
import type { dataSpecs } from './specs.js';

/**
 * Two passes over the dataset: the first ranks records (keeping only ranks and group keys in
 * memory), the second streams out the chosen ones in their original order.
 */
export const sample: KindImpl<SpecNamed<typeof dataSpecs, 'data.sample'>> = async (input, ctx) => {
  const seed = input.seed ?? 0;
  const group = input.balanceBy ? recordExpression(input.balanceBy, 'balanceBy', ctx) : undefined;
  const ranks: string[] = [];
  const groups: string[] = [];
  for await (const r of readRecords(ctx.store, input.dataset)) {
    const i = ranks.length;
    ranks.push(seededRank(seed, r, i));
    groups.push(group ? JSON.stringify(group(r, i)) : '');
  }
  const n = ranks.length;
  const want = input.count !== undefined ? Math.min(input.count, n) : Math.round((input.fraction ?? 0) * n);
  if (input.count === undefined && input.fraction === undefined) throw new PermanentError('data.sample needs "fraction" or "count"');
  const order = byRank(ranks);
  const chosen = new Set<number>();
  if (!group) {
    for (const i of order.slice(0, want)) chosen.add(i);
  } else {
    // Balanced: take from each group in turn (by rank within the group) until `want` are chosen.
    const queues = new Map<string, number[]>();
    for (const i of order) {
      const g = groups[i]!;
      if (!queues.has(g)) queues.set(g, []);
      queues.get(g)!.push(i);
    }
    const lists = [...queues.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l);
    for (let round = 0; chosen.size < want; round++) {
      let took = false;
      for (const list of lists) {
        if (chosen.size >= want) break;
        const i = list[round];
        if (i !== undefined) {
          chosen.add(i);
          took = true;
        }
      }
      if (!took) break;
    }
  }
  async function* picked(): AsyncIterable<unknown> {
    let i = 0;
    for await (const r of readRecords(ctx.store, input.dataset)) if (chosen.has(i++)) yield r;
  }
  const { ref, count } = await writeRecords(ctx.store, picked(), { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count };
};
