/** Every `repairity` subcommand module. Each area adds its one line. */
import type { Command } from 'commander';
import { registerCancel } from './cancel.js';
import { registerDemo } from './demo.js';
import { registerDev } from './dev.js';
import { registerGraph } from './graph.js';
import { registerImages } from './images.js';
import { registerLogs } from './logs.js';
import { registerSandbox } from './sandbox.js';
import { registerRerun } from './rerun.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerRuns } from './runs.js';
import { registerSchedule } from './schedule.js';
import { registerStatus } from './status.js';
import { registerValidate } from './validate.js';
import { registerWorker } from './worker.js';

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [
  registerValidate,
  registerRun,
  registerRerun,
  registerStatus,
  registerRuns,
  registerLogs,
  registerCancel,
  registerGraph,
  registerWorker,
  registerDev,
  registerImages,
  registerSandbox,
  registerReport,
  registerSchedule,
  registerDemo,
];
