import path from 'node:path';
import type { Command } from 'commander';
import { createProcessWorkers } from '../../worker/from-env.js';
import { installWorkerRuntime } from '../../worker/telemetry.js';
import { ensureDevServer } from '../../dev-services/temporal.js';
import { loadSettings } from '../../worker/settings.js';

export interface DevFlags {
  port: string;
  uiPort: string;
}

/** Starts (or reuses) the local dev server and runs every worker in this process until Ctrl-C. */
export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('start a local Temporal dev server (with its Web UI) and workers for every queue')
    .option('--port <port>', 'Temporal frontend port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .action(async (flags: DevFlags) => {
      let settings = loadSettings();
      const d = settings.defaults;
      const state = path.join(process.cwd(), '.repairity');
      const metrics = await installWorkerRuntime(settings.metrics, { shutdownSignals: ['SIGINT', 'SIGTERM'], logLevel: 'WARN' });
      const server = await ensureDevServer({ binary: d.temporalBin, port: Number(flags.port), uiPort: Number(flags.uiPort), dbFile: path.join(state, 'temporal.db'), logFile: path.join(state, 'temporal.log') });
      process.stderr.write(`Temporal ${server.reused ? 'already running' : 'dev server started'} at ${server.address}; Web UI: ${server.uiAddress}\n`);
      // Notifications link runs to this server's Web UI unless told otherwise.
      settings = loadSettings({ fallback: { REPAIRITY_UI_URL: server.uiAddress } });
      const { workers, close, describe } = await createProcessWorkers({ settings, address: server.address });
      process.stderr.write(`workers: ${describe}${metrics ? `, metrics at ${metrics.url}` : ''}\nready: run pipelines with "repairity run <file> --watch" or from the Web UI (workflow type runPipeline, input {"pipeline": "<file under pipelines/>", "params": {}}); Ctrl-C stops\n`);
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        await close();
        await metrics?.close();
        await server.stop();
      }
    });
}
