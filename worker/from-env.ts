/**
 * A worker process configured from its settings (worker/settings.ts, read once at the process's
 * edge): the artifact store, the step implementations with their clients, and each queue's limits.
 */
import { NativeConnection, type Worker } from '@temporalio/worker';
import { loadKinds } from '../kinds/implementations.js';
import { startWorkerSandbox } from '../kinds/sandbox/index.js';
import { TransientError } from '../core/errors.js';
import { connectionSecurity, explainConnectionFailure } from '../core/temporal-tls.js';
import { openStore } from '../store/open.js';
import { LocalStore } from '../store/local.js';
import { S3Store } from '../store/s3.js';
import { ALL_QUEUES, createWorkers, type QueueLimits } from './create-workers.js';
import { kindSettings, type Settings } from './settings.js';

export interface ProcessWorkerOptions {
  settings: Settings;
  /** Overrides of the settings' Temporal address, namespace, queue prefix and queues. */
  address?: string;
  namespace?: string;
  queuePrefix?: string;
  queues?: readonly string[];
  workflows?: boolean;
  /**
   * Training steps (the gpu queue) this worker runs at once; default 1: one training process per
   * GPU (on a CPU machine, one trainer using every core).
   */
  trainingSlots?: number;
}

export async function createProcessWorkers(opts: ProcessWorkerOptions): Promise<{ workers: Worker[]; connection: NativeConnection; describe: string; close(): Promise<void> }> {
  const { settings } = opts;
  const d = settings.defaults;
  const address = opts.address ?? d.temporalAddress;
  const store = await openStore(d.store, { s3: settings.s3 });
  // What crashed writes left (staging files or objects, open multipart uploads, older than a day)
  // goes in the background; a failure only costs storage, so it is reported, not fatal.
  if (store instanceof S3Store || store instanceof LocalStore) {
    void store.cleanStaging().then(
      (r) => r.stagingDeleted + r.uploadsAborted > 0 && console.warn(`store ${store.rootUri}: removed ${r.stagingDeleted} staging objects and ${r.uploadsAborted} incomplete uploads left by crashed uploads`),
      (err: unknown) => console.warn(`store ${store.rootUri}: staging cleanup failed (${(err as Error).message}); it runs again at the next worker start`),
    );
  }
  const queues = opts.queues ?? settings.queues ?? ALL_QUEUES;
  // Reaps containers a crashed predecessor left behind; never fails when Docker is down (steps then say how to start it).
  const sandbox = queues.includes('sandbox') ? await startWorkerSandbox(settings) : undefined;
  // Refuses to start when a kind's spec and implementation do not pair up (KindRegistryError).
  const kinds = await loadKinds({ store, settings: kindSettings(settings), dataRoot: settings.dataRoot, ...(sandbox ? { sandbox } : {}) });
  const { claude } = settings;
  const limits: Partial<Record<string, QueueLimits>> = {
    claude: { maxConcurrent: claude.concurrency, ...(claude.activitiesPerSecond !== undefined ? { maxTaskQueueActivitiesPerSecond: claude.activitiesPerSecond } : {}) },
    // Each sandbox activity judges many tasks through the worker's shared warm pool.
    sandbox: { maxConcurrent: 4 },
    gpu: { maxConcurrent: opts.trainingSlots ?? 1 },
  };
  const security = settings.temporalSecurity;
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address, ...connectionSecurity(security) });
  } catch (err) {
    throw new TransientError(`worker cannot reach Temporal at ${address}: ${await explainConnectionFailure(address, (err as Error).message, security)}.`);
  }
  const workers = await createWorkers({
    connection,
    namespace: opts.namespace ?? d.namespace,
    queuePrefix: opts.queuePrefix ?? d.queuePrefix,
    queues,
    ...(opts.workflows !== undefined ? { workflows: opts.workflows } : {}),
    store,
    kinds,
    pipelinesDir: d.pipelinesDir,
    limits,
    runEnd: settings.runEnd,
  });
  return {
    workers,
    connection,
    describe: `Temporal ${address}, queues ${queues.join(', ')}, store ${store.rootUri}, ${kinds.size} step kinds`,
    close: async () => {
      await sandbox?.close();
      await connection.close();
    },
  };
}
