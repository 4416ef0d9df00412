import type { Command } from 'commander';
import { createProcessWorkers } from '../../worker/from-env.js';
import { installWorkerRuntime } from '../../worker/telemetry.js';
import { withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { loadSettings } from '../../worker/settings.js';

export function registerWorker(program: Command): void {
  withConnectionFlags(
    program
      .command('worker')
      .description('run workers for the workflow queue and the step queues (cpu, claude, sandbox, gpu)')
      .option('--queues <list>', 'comma-separated step queues to serve (env REPAIRITY_QUEUES; default all)')
      .option('--no-workflows', 'do not run the workflow worker (e.g. on GPU nodes)'),
  ).action(async (flags: ConnectionFlags & { queues?: string; workflows: boolean }) => {
    const settings = loadSettings();
    const metrics = await installWorkerRuntime(settings.metrics, { shutdownSignals: ['SIGINT', 'SIGTERM'], logLevel: 'WARN' });
    const { workers, close, describe } = await createProcessWorkers({
      settings,
      address: flags.address,
      namespace: flags.namespace,
      queuePrefix: flags.queuePrefix,
      ...(flags.queues ? { queues: flags.queues.split(',').map((q) => q.trim()) } : {}),
      workflows: flags.workflows,
    });
    process.stderr.write(`repairity worker: ${describe}${metrics ? `, metrics at ${metrics.url}` : ''}\n`);
    try {
      await Promise.all(workers.map((w) => w.run()));
    } finally {
      await close();
      await metrics?.close();
    }
  });
}
