import type { Client } from '@temporalio/client';
import type { RunInput } from '../compiler/plan.js';
import type { RunSummary } from '../workflows/progress.js';
import { formatUsd, watchRun } from './progress-view.js';

export function runId(pipeline: string): string {
  return `${pipeline}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

export function printSummary(summary: RunSummary): void {
  process.stdout.write(`${JSON.stringify({ runId: summary.runId, outputs: summary.outputs }, null, 2)}\n`);
  if (summary.usage.requests > 0) {
    process.stderr.write(`usage: ${summary.usage.requests} requests, ${summary.usage.inputTokens} input + ${summary.usage.outputTokens} output tokens, ${formatUsd(summary.usage.costUsd)}\n`);
  }
  for (const note of summary.notes ?? []) process.stderr.write(`note: ${note}\n`);
}

export interface StartRunOptions {
  taskQueue: string;
  workflowId: string;
  memo: Record<string, unknown>;
  watch?: boolean;
  /** Said after "started <id>". */
  note?: string;
}

/** Starts `runPipeline`; with `watch`, shows live progress and prints the outputs, else prints the run id. */
export async function startRun(client: Client, input: RunInput, opts: StartRunOptions): Promise<void> {
  const handle = await client.workflow.start('runPipeline', { taskQueue: opts.taskQueue, workflowId: opts.workflowId, args: [input], memo: opts.memo });
  process.stderr.write(`started ${handle.workflowId}${opts.note ? ` ${opts.note}` : ''}\n`);
  if (!opts.watch) {
    process.stdout.write(`${handle.workflowId}\n`);
    return;
  }
  await watchRun(client, handle);
  printSummary((await handle.result()) as RunSummary);
}
