/**
 * `benchmarks.export`: a model's answers in the official harnesses' input formats, so the same
 * outputs can be scored by them and compared:
 * - `swebench-predictions`: SWE-bench predictions JSONL {instance_id, model_name_or_path, model_patch}
 *   (python -m swebench.harness.run_evaluation --predictions_path ...);
 * - `samples`: EvalPlus / BigCodeBench samples.jsonl {task_id, solution}, the whole program per
 *   sample (evalplus.evaluate --samples ..., bigcodebench.evaluate --samples ...). MBPP ids become
 *   EvalPlus's `Mbpp/<n>`.
 */
import { PermanentError } from '../../core/errors.js';
import { writeRecords } from '../data/records.js';
import { allRows } from './rows.js';
import type { InputOf, KindImpl } from '../define.js';
import type { exportSpec } from './specs.js';

export type ExportFormat = 'swebench-predictions' | 'samples';

export type ExportInput = InputOf<typeof exportSpec>;

type Row = Record<string, unknown>;

export interface SweBenchPredictionRow {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string;
}

export interface SampleRow {
  task_id: string;
  solution: string;
}

const answer = (row: Row, field: string): string => (typeof row[field] === 'string' ? (row[field] as string) : '');

/** One prediction per instance (the first sample of each), in row order. */
export function toSweBenchPredictions(rows: Row[], model: string, field = 'fix'): SweBenchPredictionRow[] {
  const seen = new Set<string>();
  const out: SweBenchPredictionRow[] = [];
  for (const row of rows) {
    const id = String(row.id ?? '');
    if (row.benchmark !== 'swebench') throw new PermanentError(`benchmarks.export: row ${id} is a ${String(row.benchmark)} task; SWE-bench predictions need swebench tasks`);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ instance_id: id, model_name_or_path: model, model_patch: answer(row, field) });
  }
  return out;
}

/** EvalPlus / BigCodeBench task ids: MBPP's numeric ids as `Mbpp/<n>`, the others as they are. */
export function sampleTaskId(row: Row): string {
  const id = String(row.id ?? '');
  return row.benchmark === 'mbpp' && /^\d+$/.test(id) ? `Mbpp/${id}` : id;
}

/** Every sample (pass@k files hold several per task), in row order. */
export function toSamples(rows: Row[], field = 'fix'): SampleRow[] {
  return rows.map((row) => {
    if (row.benchmark === 'swebench' || row.benchmark === 'defects4j') throw new PermanentError(`benchmarks.export: ${String(row.benchmark)} tasks have no samples.jsonl format; use swebench-predictions for SWE-bench`);
    return { task_id: sampleTaskId(row), solution: answer(row, field) };
  });
}

export const exportAnswers: KindImpl<typeof exportSpec> = async (input, ctx) => {
  const rows = await allRows<Row>(ctx.store, input.dataset);
  const field = input.field ?? 'fix';
  const out = input.format === 'swebench-predictions' ? toSweBenchPredictions(rows, input.model ?? 'repairity', field) : toSamples(rows, field);
  const { ref, count } = await writeRecords(ctx.store, out, { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count };
};
