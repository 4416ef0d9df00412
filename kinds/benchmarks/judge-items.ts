/**
 * `benchmarks.judge_items`: groups k attached samples per task into one `claude.judge` item
 * `{id, task, original, candidates: [{id: "s<i>", code, response}]}` (`response`: the whole
 * completion, reasoning + code, which the reward model learns from); tasks with fewer than two
 * distinct candidates have nothing to compare and are left out. `original` is empty for generation
 * tasks (there is no given program).
 */
import { writeRecords } from '../data/records.js';
import { allRows } from './rows.js';
import type { KindImpl } from '../define.js';
import type { judgeItemsSpec } from './specs.js';

export const judgeItems: KindImpl<typeof judgeItemsSpec> = async (input, ctx) => {
  const byTask = new Map<string, { task: Record<string, unknown>; candidates: Array<{ id: string; code: string; response: string }> }>();
  for (const s of await allRows(ctx.store, input.samples)) {
    const id = String(s.id);
    const entry = byTask.get(id) ?? { task: s, candidates: [] };
    const code = String(s.fix ?? '');
    entry.candidates.push({ id: `s${String(s.sample_index ?? entry.candidates.length)}`, code, response: typeof s.completion === 'string' ? s.completion : code });
    byTask.set(id, entry);
  }
  const items = [];
  let skipped = 0;
  for (const [id, { task, candidates }] of byTask) {
    if (new Set(candidates.map((c) => c.code)).size < 2) {
      skipped++;
      continue;
    }
    items.push({ id, task: String(task.prompt ?? task.statement ?? ''), original: String(task.buggy ?? ''), prompt: String(task.prompt ?? ''), candidates });
  }
  const { ref, count } = await writeRecords(ctx.store, items, { run: ctx.runId, step: ctx.stepId });
  return { dataset: ref.uri, count, skipped };
};
