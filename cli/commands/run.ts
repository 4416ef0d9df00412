import type { Command } from 'commander';
import { bindParams } from '../../compiler/index.js';
import type { RunSummary } from '../../workflows/progress.js';
import { workflowQueue } from '../../workflows/queues.js';
import { compileOrThrow } from '../compile-file.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { collectParam } from '../params.js';
import { formatUsd, watchRun } from '../progress-view.js';

interface RunFlags extends ConnectionFlags {
  param?: Record<string, string>;
  watch?: boolean;
  id?: string;
}

export function runId(pipeline: string): string {
  return `${pipeline}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

export function printSummary(summary: RunSummary): void {
  process.stdout.write(`${JSON.stringify({ runId: summary.runId, outputs: summary.outputs }, null, 2)}\n`);
  if (summary.usage.requests > 0) {
    process.stderr.write(`usage: ${summary.usage.requests} requests, ${summary.usage.inputTokens} input + ${summary.usage.outputTokens} output tokens, ${formatUsd(summary.usage.costUsd)}\n`);
  }
}

export function registerRun(program: Command): void {
  withConnectionFlags(
    program
      .command('run')
      .description('compile a pipeline and start it on Temporal')
      .argument('<file>', 'pipeline YAML file')
      .option('-p, --param <name=value>', 'set a param (repeatable)', collectParam, {})
      .option('-w, --watch', 'show live progress and wait for the result')
      .option('--id <workflowId>', 'workflow id (default: <pipeline>-<timestamp>)'),
  ).action(async (file: string, flags: RunFlags) => {
    const { plan, warnings } = await compileOrThrow(file);
    for (const w of warnings) process.stderr.write(`${w}\n`);
    const params = bindParams(plan, flags.param ?? {}, { fromStrings: true });
    const { client, close } = await connectClient(flags);
    try {
      const handle = await client.workflow.start('runPipeline', {
        taskQueue: workflowQueue(flags.queuePrefix),
        workflowId: flags.id ?? runId(plan.name),
        args: [{ plan, params }],
        memo: { pipeline: plan.name, source: plan.source.file, params },
      });
      process.stderr.write(`started ${handle.workflowId}\n`);
      if (!flags.watch) {
        process.stdout.write(`${handle.workflowId}\n`);
        return;
      }
      await watchRun(client, handle);
      printSummary((await handle.result()) as RunSummary);
    } finally {
      await close();
    }
  });
}
