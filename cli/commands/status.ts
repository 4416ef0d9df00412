import type { Command } from 'commander';
import type { RunProgress } from '../../engine/progress.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { describeStep, formatUsd, watchRun } from '../progress-view.js';
import { stepNotes } from '../step-notes.js';

export function registerStatus(program: Command): void {
  withConnectionFlags(
    program
      .command('status')
      .description("show a run's steps, item counts and spend")
      .argument('<runId>', 'workflow id of the run')
      .option('-w, --watch', 'follow until the run ends')
      .option('--json', 'print the progress query result as JSON'),
  ).action(async (id: string, flags: ConnectionFlags & { watch?: boolean; json?: boolean }) => {
    const { client, close } = await connectClient(flags);
    try {
      const handle = client.workflow.getHandle(id);
      if (flags.watch) await watchRun(client, handle);
      const description = await handle.describe();
      const progress = await handle.query<RunProgress>('progress');
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ status: description.status.name, ...progress }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${id}: ${description.status.name} (pipeline ${progress.pipeline}, plan ${progress.planHash.slice(0, 12)})\n`);
      const notes = await stepNotes(client, id).catch(() => new Map<string, string>());
      for (const s of progress.steps) {
        const note = s.state === 'running' && notes.has(s.id) ? ` (${notes.get(s.id)})` : '';
        const items = s.items ? ` ${s.items.succeeded + s.items.failed}/${s.items.total} items (${s.items.failed} failed, ${s.items.cached} cached)` : '';
        process.stdout.write(`  ${s.id}: ${describeStep(s)}${items}${note}\n`);
      }
      if (progress.usage.requests > 0) process.stdout.write(`  total: ${progress.usage.requests} requests, ${formatUsd(progress.usage.costUsd)}\n`);
    } finally {
      await close();
    }
  });
}
