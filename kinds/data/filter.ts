import { isTruthy } from '../../core/expressions.js';
import { recordExpression } from './per-record.js';
import { readRecords, writeRecords } from './records.js';
import type { KindImpl, SpecNamed } from '../define.js';
import type { dataSpecs } from './specs.js';

export const filter: KindImpl<SpecNamed<typeof dataSpecs, 'data.filter'>> = async (input, ctx) => {
  const where = recordExpression(input.where, 'where', ctx);
  async function* kept(): AsyncIterable<unknown> {
    let index = 0;
    for await (const r of readRecords(ctx.store, input.dataset)) {
      if (isTruthy(where(r, index++))) yield r;
    }
  }
  const { ref, count } = await writeRecords(ctx.store, kept(), { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count };
};
