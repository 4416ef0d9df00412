#!/usr/bin/env node
// First: sizes libuv's thread pool before anything uses it.
import '../worker/threadpool.js';
import { Command } from 'commander';
import { commandsFor } from './commands/index.js';
import { runCli } from './run-cli.js';

const program = new Command('repairity')
  .description('Declarative LLM post-training pipelines for program repair, on Temporal')
  .showHelpAfterError();

await runCli(program, process.argv, async () => {
  for (const entry of commandsFor(process.argv.slice(2))) (await entry.load())(program);
});
