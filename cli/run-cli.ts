import type { Command } from 'commander';
import { RepairityError } from '../core/errors.js';

/** Runs the program; user errors print one clear message (never a stack trace) and exit 1. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  try {
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
