/** Every `repairity` subcommand module. Each area adds its one line. */
import type { Command } from 'commander';
import { registerDev } from './dev.js';
import { registerGraph } from './graph.js';
import { registerImages } from './images.js';
import { registerSandbox } from './sandbox.js';
import { registerRerun } from './rerun.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerValidate } from './validate.js';
import { registerWorker } from './worker.js';

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [
  registerValidate,
  registerRun,
  registerRerun,
  registerStatus,
  registerGraph,
  registerWorker,
  registerDev,
  registerImages,
  registerSandbox,
];
