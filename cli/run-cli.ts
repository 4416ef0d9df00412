import type { Command } from 'commander';
import { RepairityError } from '../core/errors.js';

/**
 * Registers the commands (`register`, inside the error handling: a module may check its settings
 * as it loads), then runs the program; user errors print one clear message (never a stack trace)
 * and exit 1.
 */
export async function runCli(program: Command, argv: string[], register: () => Promise<void> = async () => {}): Promise<void> {
  try {
    await register();
    await program.parseAsync(argv);
  } catch (err) {
    const message = userMessage(err);
    if (message === undefined) throw err;
    process.stderr.write(`repairity: ${message}\n`);
    process.exitCode = 1;
  }
}

/** What to tell the user for an error their input caused; undefined for a bug (its stack trace is wanted). */
export function userMessage(err: unknown): string | undefined {
  if (err instanceof RepairityError) return err.message;
  // By name: importing @temporalio/client here would load it for every command, `validate` included.
  if (err instanceof Error && err.name === 'WorkflowNotFoundError') {
    const id = (err as Error & { workflowId?: string }).workflowId;
    return `no run ${id ? `"${id}" ` : ''}on this Temporal server and namespace: \`repairity runs\` lists the runs (--address and --namespace choose another server)`;
  }
}
