import type { StepImpl } from '../define.js';
import { PermanentError } from '../../core/errors.js';
import { normaliseTask } from '../../sandbox/formats/index.js';
import { emptyCounts, runTasks } from '../../sandbox/run-file.js';
import type { SandboxTask } from '../../sandbox/types.js';
import { readRecords, writeRecords } from '../data/records.js';
import type { SandboxProvider } from './provider.js';

export interface SandboxRunInput {
  tasks?: string;
  task?: Record<string, unknown>;
  solutionField?: string;
  timeoutMs?: number;
}

export function sandboxRun(provider: SandboxProvider): StepImpl<SandboxRunInput> {
  return async (input, ctx) => {
    const rows: unknown[] = [];
    if (input.task) rows.push(input.task);
    else for await (const row of readRecords(ctx.store, input.tasks!)) rows.push(row);
    const opts = input.solutionField ? { solutionField: input.solutionField } : {};
    const tasks: SandboxTask[] = rows.map((row, i) => {
      const task = normaliseTask(row, i, opts);
      return input.timeoutMs && task.timeoutMs === undefined ? { ...task, timeoutMs: input.timeoutMs } : task;
    });
    const sandbox = await provider.get();
    let done = 0;
    let verdicts;
    try {
      ({ verdicts } = await runTasks(tasks, {
        sandbox,
        signal: ctx.signal,
        onVerdict: () => {
          done += 1;
          ctx.heartbeat({ done, of: tasks.length });
        },
      }));
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : err;
      throw err;
    }
    const counts = emptyCounts();
    for (const v of verdicts) counts[v.status] += 1;
    const meta = { run: ctx.runId, step: ctx.stepId };
    const written = await writeRecords(ctx.store, verdicts.map((v, i) => ({ row: i + 1, ...v })), meta);
    const passing = await writeRecords(ctx.store, rows.filter((_, i) => verdicts[i]!.status === 'passed'), meta);
    if (written.count !== tasks.length) throw new PermanentError(`sandbox.run wrote ${written.count} verdicts for ${tasks.length} tasks`);
    return {
      verdicts: written.ref.uri,
      passing: passing.ref.uri,
      count: tasks.length,
      passed: counts.passed,
      allPassed: counts.passed === tasks.length,
      counts,
      ...(input.task ? { status: verdicts[0]!.status } : {}),
    };
  };
}
