import { PermanentError } from '../../core/errors.js';
import { readRecords, writeRecords } from './records.js';
import type { KindImpl, SpecNamed } from '../define.js';
import type { dataSpecs } from './specs.js';

export const zip: KindImpl<SpecNamed<typeof dataSpecs, 'data.zip'>> = async (input, ctx) => {
  const names = Object.keys(input.datasets);
  const iters = names.map((n) => readRecords(ctx.store, input.datasets[n]!)[Symbol.asyncIterator]());
  async function* joined(): AsyncIterable<unknown> {
    for (let index = 0; ; index++) {
      const next = await Promise.all(iters.map((it) => it.next()));
      const done = next.filter((r) => r.done).length;
      if (done === next.length) return;
      if (done > 0) {
        const short = names.filter((_, i) => next[i]!.done);
        throw new PermanentError(`data.zip: dataset(s) ${short.join(', ')} ended at record ${index} while the others go on; zip needs datasets of equal length`);
      }
      yield Object.fromEntries(names.map((n, i) => [n, next[i]!.value]));
    }
  }
  const { ref, count } = await writeRecords(ctx.store, joined(), { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count };
};
