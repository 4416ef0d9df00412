/**
 * Runs `repairity` commands in this process (no tsx start-up per call), as main.ts registers them,
 * capturing what they print. A user error comes back as `error` (what runCli prints), never thrown.
 */
import { Command } from 'commander';
import { commandModules } from '../../cli/commands/index.js';
import { userMessage } from '../../cli/run-cli.js';

export interface CliResult {
  stdout: string;
  stderr: string;
  error?: string;
}

export async function runRepairity(args: string[]): Promise<CliResult> {
  const program = new Command('repairity').exitOverride();
  for (const entry of commandModules) (await entry.load())(program);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'repairity', ...args]);
    return { stdout, stderr };
  } catch (e) {
    const message = userMessage(e);
    if (message === undefined) throw e;
    return { stdout, stderr, error: message };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
