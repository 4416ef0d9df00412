/** `benchmarks.select`: keeps the rows whose sandbox verdict has (or has not) a status. */
import { PermanentError } from '../../core/errors.js';
import { writeRecords } from '../data/records.js';
import { allRows } from './rows.js';
import type { InputOf, KindImpl } from '../define.js';
import type { selectSpec } from './specs.js';

export type SelectInput = InputOf<typeof selectSpec>;

export const select: KindImpl<typeof selectSpec> = async (input, ctx) => {
  const rows = await allRows(ctx.store, input.dataset);
  const verdicts = await allRows<{ status?: string }>(ctx.store, input.verdicts);
  if (rows.length !== verdicts.length) throw new PermanentError(`benchmarks.select: ${verdicts.length} verdicts for ${rows.length} rows; give the verdicts of sandbox.run on this dataset`, { step: ctx.stepId });
  const status = input.status ?? 'passed';
  const kept = rows.filter((_, i) => (verdicts[i]!.status === status) !== (input.negate ?? false));
  const { ref, count } = await writeRecords(ctx.store, kept, { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count, removed: rows.length - count };
};
