/**
 * Judges every row of a task file (JSONL) and writes one verdict per row (JSONL, in row order).
 * Used by `repairity sandbox run` and the `sandbox.run` step.
 */
import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { SandboxConfigError } from './errors.js';
import { normaliseTask } from './formats/index.js';
import type { Sandbox } from './sandbox.js';
import { VERDICT_STATUSES, type SandboxTask, type Verdict, type VerdictStatus } from './types.js';

export interface RunTasksOptions {
  sandbox: Sandbox;
  /** Row field holding the candidate; default per format (MBPP: `code`). */
  solutionField?: string;
  /** Receives each verdict with its row index, in completion order. */
  onVerdict?: (verdict: Verdict, index: number) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface RunSummary {
  count: number;
  counts: Record<VerdictStatus, number>;
  durationMs: number;
  tasksPerSecond: number;
}

export function emptyCounts(): Record<VerdictStatus, number> {
  return Object.fromEntries(VERDICT_STATUSES.map((s) => [s, 0])) as Record<VerdictStatus, number>;
}

/** Reads a JSONL task file into tasks; blank lines are skipped, bad rows name their line. */
export async function readTasks(input: string | Readable, solutionField?: string): Promise<SandboxTask[]> {
  const stream = typeof input === 'string' ? createReadStream(input) : input;
  const tasks: SandboxTask[] = [];
  let line = 0;
  for await (const text of readline.createInterface({ input: stream, crlfDelay: Infinity })) {
    line += 1;
    if (!text.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (err) {
      throw new SandboxConfigError(`${typeof input === 'string' ? input : 'tasks'}:${line}: not valid JSON (${(err as Error).message})`);
    }
    tasks.push(normaliseTask(row, tasks.length, solutionField !== undefined ? { solutionField } : {}));
  }
  return tasks;
}

/** Runs tasks with the sandbox's parallelism; returns the verdicts in task order and a summary. */
export async function runTasks(tasks: SandboxTask[], options: RunTasksOptions): Promise<{ verdicts: Verdict[]; summary: RunSummary }> {
  const { sandbox } = options;
  const verdicts: Verdict[] = new Array<Verdict>(tasks.length);
  const counts = emptyCounts();
  const started = Date.now();
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.max(1, Math.min(sandbox.parallelism, tasks.length)) }, async () => {
    while (next < tasks.length && !failed) {
      options.signal?.throwIfAborted();
      const index = next++;
      const verdict = await sandbox.run(tasks[index]!, options.signal ? { signal: options.signal } : {});
      verdicts[index] = verdict;
      counts[verdict.status] += 1;
      await options.onVerdict?.(verdict, index);
    }
  });
  // The first error (engine gone, cancelled) stops the other lanes from taking new tasks.
  await Promise.all(
    lanes.map((lane) =>
      lane.catch((err: unknown) => {
        failed = true;
        throw err;
      }),
    ),
  );
  const durationMs = Date.now() - started;
  return { verdicts, summary: { count: tasks.length, counts, durationMs, tasksPerSecond: tasks.length / Math.max(durationMs / 1000, 1e-3) } };
}

export function formatSummary(summary: RunSummary): string {
  const parts = VERDICT_STATUSES.filter((s) => summary.counts[s] > 0).map((s) => `${s} ${summary.counts[s]}`);
  return `${summary.count} tasks: ${parts.join(', ') || 'none'}; ${(summary.durationMs / 1000).toFixed(1)} s, ${summary.tasksPerSecond.toFixed(1)} tasks/s`;
}
