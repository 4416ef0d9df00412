/**
 * `benchmarks.attach`: puts answers next to their tasks, giving rows `sandbox.run` can judge with
 * `solutionField: fix` and `train.sft` can learn from (prompt, trace, fix, fix_md).
 *
 * - `claude`: the results of a `claude.message` forEach over the tasks (`{index, status, outputs}`,
 *   one per task, in task order). Failed items are dropped (counted in `dropped`).
 * - `samples`: the output of `model.generate` over the tasks (`prompt_index` = task position,
 *   `sample_index`, `completion`); the code is extracted from each completion.
 */
import { PermanentError } from '../../core/errors.js';
import { writeRecords } from '../data/records.js';
import { extractCode } from './prompts.js';
import { allRows } from './rows.js';
import type { InputOf, KindImpl } from '../define.js';
import type { attachSpec } from './specs.js';

export type AttachInput = InputOf<typeof attachSpec>;

type Row = Record<string, unknown>;

const fenced = (language: string, code: string) => `\`\`\`${language}\n${code}\n\`\`\``;

export const attach: KindImpl<typeof attachSpec> = async (input, ctx) => {
  const tasks = await allRows<Row>(ctx.store, input.tasks);
  const answers = await allRows<Row>(ctx.store, input.answers);
  const out: Row[] = [];
  let dropped = 0;
  if (input.source === 'claude') {
    if (answers.length !== tasks.length) {
      throw new PermanentError(`benchmarks.attach: ${answers.length} teacher answers for ${tasks.length} tasks; give the results of a forEach over these tasks`, { step: ctx.stepId });
    }
    answers.forEach((a, i) => {
      const outputs = a.outputs as Row | undefined;
      const task = tasks[Number(a.index ?? i)];
      if (!task) throw new PermanentError(`benchmarks.attach: answer ${i} has index ${String(a.index)} outside the ${tasks.length} tasks`);
      const text = typeof outputs?.text === 'string' ? outputs.text : '';
      const language = String(task.language ?? 'python');
      const fix = typeof outputs?.fix === 'string' && outputs.fix.trim() !== '' ? outputs.fix : extractCode(text, language);
      if (a.status !== 'succeeded' || !outputs || fix.trim() === '') {
        dropped++;
        return;
      }
      const trace = typeof outputs.reasoning === 'string' ? outputs.reasoning : '';
      out.push({ ...task, sample_index: 0, trace, fix: fix.replace(/\s+$/, ''), fix_md: fenced(language, fix.replace(/\s+$/, '')) });
    });
  } else {
    for (const s of answers) {
      const i = Number(s.prompt_index);
      const task = tasks[i];
      if (!task) throw new PermanentError(`benchmarks.attach: sample for prompt_index ${String(s.prompt_index)} outside the ${tasks.length} tasks; generate from these very tasks`, { step: ctx.stepId });
      const completion = typeof s.completion === 'string' ? s.completion : '';
      out.push({ ...task, sample_index: Number(s.sample_index ?? 0), temperature: s.temperature, completion, fix: extractCode(completion, String(task.language ?? 'python')) });
    }
  }
  const { ref, count } = await writeRecords(ctx.store, out, { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count, dropped };
};
