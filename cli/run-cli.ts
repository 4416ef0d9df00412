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
    if (err instanceof RepairityError) {
      process.stderr.write(`repairity: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
