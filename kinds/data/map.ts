import { recordExpression } from './per-record.js';
import { readRecords, writeRecords } from './records.js';
import type { KindImpl, SpecNamed } from '../define.js';
import type { dataSpecs } from './specs.js';

export const map: KindImpl<SpecNamed<typeof dataSpecs, 'data.map'>> = async (input, ctx) => {
  const fields = Object.entries(input.fields).map(([name, source]) => [name, recordExpression(source, `fields.${name}`, ctx)] as const);
  async function* mapped(): AsyncIterable<unknown> {
    let index = 0;
    for await (const r of readRecords(ctx.store, input.dataset)) {
      const out: Record<string, unknown> = input.merge && r && typeof r === 'object' ? { ...(r as object) } : {};
      for (const [name, fn] of fields) out[name] = fn(r, index);
      index++;
      yield out;
    }
  }
  const { ref, count } = await writeRecords(ctx.store, mapped(), { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count };
};
