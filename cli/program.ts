import { Command } from 'commander';

/** The `repairity` program, before its commands are registered. */
export function createProgram(): Command {
  return new Command('repairity').description('Declarative LLM post-training pipelines for program repair, on Temporal').showHelpAfterError();
}
