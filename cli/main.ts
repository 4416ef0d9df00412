#!/usr/bin/env node
// First: sizes libuv's thread pool before anything uses it.
import '../worker/threadpool.js';
import v8 from 'node:v8';
import { Command } from 'commander';
import { commandsFor } from './commands/index.js';
import { runCli } from './run-cli.js';

// Commands that finish well under a second run without V8's optimising compiler (TurboFan): it
// would spend more CPU compiling their hot functions than the optimised code saves (bench/cli:
// about a quarter of `validate`'s CPU time). Long-running commands (worker, run, dev) keep it.
const SHORT_COMMANDS = new Set(['validate', 'graph']);
if (SHORT_COMMANDS.has(process.argv[2] ?? '')) v8.setFlagsFromString('--no-opt');

const program = new Command('repairity')
  .description('Declarative LLM post-training pipelines for program repair, on Temporal')
  .showHelpAfterError();

await runCli(program, process.argv, async () => {
  for (const entry of commandsFor(process.argv.slice(2))) (await entry.load())(program);
});
