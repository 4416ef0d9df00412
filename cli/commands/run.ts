import type { Command } from 'commander';
import { bindParams } from '../../compiler/index.js';
import { workflowQueue } from '../../workflows/queues.js';
import { compileOrThrow } from '../compile-file.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { collectParam } from '../params.js';
import { runId, startRun } from '../start-run.js';

interface RunFlags extends ConnectionFlags {
  param?: Record<string, string>;
  watch?: boolean;
  id?: string;
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
      await startRun(client, { plan, params }, {
        taskQueue: workflowQueue(flags.queuePrefix),
        workflowId: flags.id ?? runId(plan.name),
        memo: { pipeline: plan.name, source: plan.source.file, params },
        attributes: { pipeline: plan.name, params },
        ...(flags.watch ? { watch: true } : {}),
      });
    } finally {
      await close();
    }
  });
}
