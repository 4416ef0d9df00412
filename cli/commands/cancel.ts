import type { Command } from 'commander';
import { PermanentError } from '../../core/errors.js';
import type { RunProgress, StepProgress } from '../../engine/progress.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';

interface CancelFlags extends ConnectionFlags {
  wait: string;
}

const POLL_MS = 500;

function whatRan(s: StepProgress): string {
  const items = s.items ? `, ${s.items.succeeded + s.items.failed}/${s.items.total} items done` : '';
  return `${s.id} (${s.uses}${items})`;
}

/**
 * Asks the run to cancel: running steps get their activity's cancellation (a trainer its SIGTERM
 * and final checkpoint, sandbox containers removed), and the run ends as cancelled once they have.
 */
export function registerCancel(program: Command): void {
  withConnectionFlags(
    program
      .command('cancel')
      .description('cancel a run: its running steps stop cleanly (a trainer writes a final checkpoint, containers are removed); says what it stopped')
      .argument('<runId>', 'workflow id of the run')
      .option('--wait <seconds>', 'how long to wait for the running steps to stop', '300'),
  ).action(async (id: string, flags: CancelFlags) => {
    const waitS = Number(flags.wait);
    if (!Number.isFinite(waitS) || waitS < 0) throw new PermanentError(`--wait ${flags.wait}: expected a number of seconds`);
    const { client, close } = await connectClient(flags);
    try {
      const handle = client.workflow.getHandle(id);
      const before = await handle.describe();
      if (before.status.name !== 'RUNNING') throw new PermanentError(`run ${id} is not running (it is ${before.status.name.toLowerCase()}): nothing to cancel`);
      const running = (await handle.query<RunProgress>('progress').catch(() => undefined))?.steps.filter((s) => s.state === 'running') ?? [];
      await handle.cancel();
      process.stderr.write(`cancelling ${id}: ${running.length > 0 ? `stopping ${running.map(whatRan).join(', ')}` : 'no step was running'}\n`);
      const deadline = Date.now() + waitS * 1000;
      let status: string = before.status.name;
      while (status === 'RUNNING' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        status = (await handle.describe()).status.name;
      }
      if (status === 'RUNNING') {
        process.stderr.write(`${id} is still stopping after ${waitS} s (its steps finish their cancellation: a trainer's final checkpoint upload); "repairity status ${id}" shows when it ends\n`);
        process.exitCode = 1;
        return;
      }
      const after = await handle.query<RunProgress>('progress').catch(() => undefined);
      const stopped = after?.steps.filter((s) => s.state === 'cancelled') ?? [];
      process.stdout.write(`${id}: ${status.toLowerCase()}${stopped.length > 0 ? `; stopped ${stopped.map(whatRan).join(', ')}` : ''}\n`);
      const notes = after?.steps.filter((s) => s.reason && running.some((r) => r.id === s.id)).map((s) => `  ${s.id}: ${s.reason}`) ?? [];
      for (const n of notes) process.stdout.write(`${n}\n`);
    } finally {
      await close();
    }
  });
}
