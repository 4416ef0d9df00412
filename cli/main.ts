#!/usr/bin/env node
// First: sizes libuv's thread pool before anything uses it.
import '../worker/threadpool.js';
import { Command } from 'commander';
import { commandModules } from './commands/index.js';
import { runCli } from './run-cli.js';

const program = new Command('repairity')
  .description('Declarative LLM post-training pipelines for program repair, on Temporal')
  .showHelpAfterError();

for (const register of commandModules) register(program);

await runCli(program, process.argv);
