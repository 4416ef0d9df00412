/**
 * The CLI of the short commands alone (cli/short-commands.ts), their code imported statically:
 * the build bundles this module, the compiler and the prebuilt validators as one CommonJS file
 * (dist/cli/short.cjs) that cli/code-cache.ts runs from V8's code cache.
 */
import type { RegisterCommand } from './commands/index.js';
import { registerGraph } from './commands/graph.js';
import { registerValidate } from './commands/validate.js';
import { createProgram } from './program.js';
import { runCli } from './run-cli.js';
import type { ShortCommand } from './short-commands.js';
import { SHORT_COMMANDS } from './short-commands.js';

const registers: Record<ShortCommand, RegisterCommand> = { validate: registerValidate, graph: registerGraph };

export async function main(argv: string[]): Promise<void> {
  const program = createProgram();
  await runCli(program, argv, async () => {
    for (const name of SHORT_COMMANDS) registers[name](program);
  });
}
