import { PermanentError } from '../../core/errors.js';
import { readRecords, writeRecords } from './records.js';
import { byRank, seededRank } from './seeded-order.js';
import type { KindImpl, SpecNamed } from '../define.js';
import type { dataSpecs } from './specs.js';

/**
 * Assigns records to parts by seeded rank: the first `round(f1·n)` ranks to the first part, and
 * so on; the last part takes the remainder so every record lands somewhere when fractions sum to 1.
 */
export const split: KindImpl<SpecNamed<typeof dataSpecs, 'data.split'>> = async (input, ctx) => {
  const names = Object.keys(input.fractions);
  const total = Object.values(input.fractions).reduce((a, b) => a + b, 0);
  if (total > 1 + 1e-9) throw new PermanentError(`data.split fractions sum to ${total}, more than 1: ${JSON.stringify(input.fractions)}`);
  const ranks: string[] = [];
  for await (const r of readRecords(ctx.store, input.dataset)) ranks.push(seededRank(input.seed ?? 0, r, ranks.length));
  const n = ranks.length;
  const partOf = new Int32Array(n).fill(-1);
  const order = byRank(ranks);
  let from = 0;
  names.forEach((name, p) => {
    const last = p === names.length - 1 && Math.abs(total - 1) < 1e-9;
    const size = last ? n - from : Math.min(n - from, Math.round(input.fractions[name]! * n));
    for (const i of order.slice(from, from + size)) partOf[i] = p;
    from += size;
  });
  const splits: Record<string, string> = {};
  const counts: Record<string, number> = {};
  for (const [p, name] of names.entries()) {
    async function* part(): AsyncIterable<unknown> {
      let i = 0;
      for await (const r of readRecords(ctx.store, input.dataset)) if (partOf[i++] === p) yield r;
    }
    const { ref, count } = await writeRecords(ctx.store, part(), { run: ctx.runId, step: ctx.stepId });
    splits[name] = ref.uri;
    counts[name] = count;
  }
  return { splits, counts };
};
