import type { Command } from 'commander';
import { bindParams } from '../../compiler/index.js';
import type { RunInput } from '../../compiler/plan.js';
import { PermanentError } from '../../core/errors.js';
import { compileOrThrow } from '../compile-file.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { runId, startRun } from '../start-run.js';

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
      .description('start a run again with the same pipeline and params, after a fix: every step whose result is cached is skipped')
      .argument('<runId>', 'workflow id of the earlier run')
      .option('-w, --watch', 'show live progress and wait for the result')
      .option('--id <workflowId>', 'workflow id of the new run'),
  ).action(async (id: string, flags: ConnectionFlags & { watch?: boolean; id?: string }) => {
    const { client, close } = await connectClient(flags);
    try {
      const old = client.workflow.getHandle(id);
      const description = await old.describe();
      const input = await startInput(await old.fetchHistory());
      // Recompile the file the run came from, so the fix is picked up; a run started from the UI names it itself.
      let next: RunInput = input;
      if ('plan' in input) {
        const { plan } = await compileOrThrow(input.plan.source.file);
        next = { plan, params: bindParams(plan, input.params ?? {}) };
      }
      const name = 'plan' in next ? next.plan.name : next.pipeline.replace(/\.ya?ml$/, '').replace(/[^A-Za-z0-9_-]/g, '-');
      await startRun(client, next, {
        taskQueue: description.taskQueue,
        workflowId: flags.id ?? runId(name),
        memo: { rerunOf: id },
        note: `(rerun of ${id}; cached steps are skipped)`,
        ...(flags.watch ? { watch: true } : {}),
      });
    } finally {
      await close();
    }
  });
}
