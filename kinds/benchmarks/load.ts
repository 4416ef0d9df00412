/** `benchmarks.load`: a benchmark file -> task records (see formats.ts) as a dataset. */
import { PermanentError } from '../../core/errors.js';
import { writeRecords } from '../data/records.js';
import { mbppSplitOf, toTask, type BenchmarkName, type TaskMode, type TaskRecord } from './formats.js';
import type { Retrieval } from './retrieval.js';
import { allRows, sourceRows } from './rows.js';
import type { SweBenchSettings } from '../../sandbox/swebench/settings.js';
import type { InputOf, KindImpl } from '../define.js';
import type { loadSpec } from './specs.js';

export type LoadInput = InputOf<typeof loadSpec>;

export function createLoadStep(dataRoot: string, swebench?: SweBenchSettings): KindImpl<typeof loadSpec> {
  return async (input, ctx) => {
    const mode = input.mode ?? 'repair';
    if (mode === 'generate' && (input.benchmark === 'swebench' || input.benchmark === 'defects4j')) {
      throw new PermanentError(`benchmarks.load: ${input.benchmark} tasks are repair tasks; use mode: repair`, { step: ctx.stepId });
    }
    const promptSplit = input.benchmark === 'bigcodebench';
    // BigCodeBench has no task split: its "splits" choose the prompt, and `all` (the whole set, as the
    // paper evaluates it) takes the default instruct prompt.
    if (promptSplit && input.split && !['all', 'complete', 'instruct'].includes(input.split)) {
      throw new PermanentError(`benchmarks.load: bigcodebench's splits are complete and instruct (which prompt the model sees) or all (instruct), not "${input.split}"`, { step: ctx.stepId });
    }
    if (!promptSplit && input.split && input.split !== 'all' && input.benchmark !== 'mbpp') {
      throw new PermanentError(`benchmarks.load: split "${input.split}" is only defined for mbpp (its standard task_id ranges) and bigcodebench (complete, instruct); split other benchmarks with data.split`, { step: ctx.stepId });
    }
    const excluded = new Set<string>();
    if (input.exclude) for (const r of await allRows<{ id: unknown }>(ctx.store, input.exclude)) excluded.add(String(r.id));
    let index = 0;
    let skipped = 0;
    let noMutation = 0;
    const seed = input.seed ?? 0;
    async function* tasks(): AsyncIterable<TaskRecord> {
      let count = 0;
      for await (const raw of sourceRows(ctx.store, dataRoot, input.path)) {
        index++;
        if (input.limit !== undefined && count >= input.limit) return;
        if (!raw || typeof raw !== 'object') throw new PermanentError(`${input.path} row ${index}: expected a JSON object`);
        if (input.benchmark === 'mbpp' && input.split && input.split !== 'all' && mbppSplitOf(Number((raw as Record<string, unknown>).task_id)) !== input.split) continue;
        const task = await toTask(input.benchmark, raw as Record<string, unknown>, `${input.path} row ${index}`, mode, seed, {
          ...(input.split ? { split: input.split } : {}),
          ...(input.retrieval ? { retrieval: input.retrieval } : {}),
          ...(swebench ? { swebench } : {}),
        });
        if (!task) {
          noMutation++;
          continue;
        }
        if (excluded.has(task.id)) {
          skipped++;
          continue;
        }
        count++;
        yield task;
      }
    }
    const { ref, count } = await writeRecords(ctx.store, tasks(), { run: ctx.runId, step: ctx.stepId });
    return { dataset: ref.uri, count, excluded: skipped, unmutable: noMutation };
  };
}
