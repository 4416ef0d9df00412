import path from 'node:path';
import type { Command } from 'commander';
import { bindParams } from '../../compiler/index.js';
import type { RunInput } from '../../engine/plan.js';
import { PermanentError } from '../../core/errors.js';
import { compileOrThrow } from '../compile-file.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { collectParam } from '../params.js';
import { forcedSteps, paramsWith } from '../rerun-intent.js';
import { runId, startRun } from '../start-run.js';
import { loadDefaults } from '../../worker/settings.js';

interface RerunFlags extends ConnectionFlags {
  watch?: boolean;
  id?: string;
  param?: Record<string, string>;
  from?: string;
  force?: string[];
}

/** The input a run was started with, read from the first event of its history. */
async function startInput(history: { events?: { workflowExecutionStartedEventAttributes?: { input?: { payloads?: { data?: Uint8Array | null }[] | null } | null } | null }[] | null }): Promise<RunInput> {
  const data = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  if (!data) throw new PermanentError('the run has no recorded input to start again from');
  return JSON.parse(Buffer.from(data).toString('utf8')) as RunInput;
}

export function registerRerun(program: Command): void {
  withConnectionFlags(
    program
      .command('rerun')
      .description('start a run again after a fix, with the same pipeline and params: steps whose result is cached are skipped unless --from or --force names them')
      .argument('<runId>', 'workflow id of the earlier run')
      .option('-p, --param <name=value>', 'change a param (repeatable)', collectParam, {})
      .option('--from <step>', 'run this step and every step after it again')
      .option('--force <step>', 'run this step again, alone (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
      .option('-w, --watch', 'show live progress and wait for the result')
      .option('--id <workflowId>', 'workflow id of the new run'),
  ).action(async (id: string, flags: RerunFlags) => {
    const { client, close } = await connectClient(flags);
    try {
      const old = client.workflow.getHandle(id);
      const description = await old.describe();
      const input = await startInput(await old.fetchHistory());
      // Recompile the file the run came from, so the fix is picked up; a run started from the UI
      // names it under the pipelines folder.
      const file = 'plan' in input ? input.plan.source.file : path.join(loadDefaults().pipelinesDir, input.pipeline);
      const { plan } = await compileOrThrow(file);
      const params = bindParams(plan, paramsWith(plan, input.params ?? {}, flags.param ?? {}));
      const force = forcedSteps(plan, flags.from, flags.force ?? []);
      const next: RunInput = { plan, params, ...(force.length > 0 ? { force } : {}) };
      const again = force.length > 0 ? `; run again: ${force.join(', ')}` : '';
      await startRun(client, next, {
        taskQueue: description.taskQueue,
        workflowId: flags.id ?? runId(plan.name),
        memo: { pipeline: plan.name, source: plan.source.file, params, rerunOf: id, ...(force.length > 0 ? { force } : {}) },
        attributes: { pipeline: plan.name, params, continues: id },
        note: `(rerun of ${id}; cached steps are skipped${again})`,
        ...(flags.watch ? { watch: true } : {}),
      });
    } finally {
      await close();
    }
  });
}
