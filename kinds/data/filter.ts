import { isTruthy } from '../../core/expressions.js';
import type { StepImpl } from '../../engine/kind.js';
import { recordExpression } from './per-record.js';
import { readRecords, writeRecords } from './records.js';

export const filter: StepImpl<{ dataset: string; where: string }> = async (input, ctx) => {
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
