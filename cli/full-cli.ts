/** The CLI with every command (cli/commands/index.ts): only the invoked command's module is loaded. */
import { commandsFor } from './commands/index.js';
import { createProgram } from './program.js';
import { runCli } from './run-cli.js';

export async function main(argv: string[]): Promise<void> {
  const program = createProgram();
  await runCli(program, argv, async () => {
    for (const entry of commandsFor(argv.slice(2))) (await entry.load())(program);
  });
}
