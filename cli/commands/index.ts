/**
 * Every `repairity` subcommand: its name and how to load the module that registers it. Only the
 * invoked command's module is loaded (so `validate` never loads Temporal, Docker, S3 or Claude
 * code); help and unknown names load them all. Each area adds its one line.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export interface CommandEntry {
  name: string;
  load(): Promise<RegisterCommand>;
}

export const commandModules: CommandEntry[] = [
  { name: 'validate', load: async () => (await import('./validate.js')).registerValidate },
  { name: 'run', load: async () => (await import('./run.js')).registerRun },
  { name: 'rerun', load: async () => (await import('./rerun.js')).registerRerun },
  { name: 'status', load: async () => (await import('./status.js')).registerStatus },
  { name: 'runs', load: async () => (await import('./runs.js')).registerRuns },
  { name: 'logs', load: async () => (await import('./logs.js')).registerLogs },
  { name: 'cancel', load: async () => (await import('./cancel.js')).registerCancel },
  { name: 'graph', load: async () => (await import('./graph.js')).registerGraph },
  { name: 'kinds', load: async () => (await import('./kinds.js')).registerKinds },
  { name: 'worker', load: async () => (await import('./worker.js')).registerWorker },
  { name: 'dev', load: async () => (await import('./dev.js')).registerDev },
  { name: 'images', load: async () => (await import('./images.js')).registerImages },
  { name: 'sandbox', load: async () => (await import('./sandbox.js')).registerSandbox },
  { name: 'report', load: async () => (await import('./report.js')).registerReport },
  { name: 'schedule', load: async () => (await import('./schedule.js')).registerSchedule },
  { name: 'demo', load: async () => (await import('./demo.js')).registerDemo },
  { name: 'claude-simulator', load: async () => (await import('./claude-simulator.js')).registerClaudeSimulator },
];

/** The entries to load for these arguments: the named command's, or all of them. */
export function commandsFor(args: readonly string[]): CommandEntry[] {
  const named = commandModules.find((c) => c.name === args[0]);
  return named ? [named] : commandModules;
}
