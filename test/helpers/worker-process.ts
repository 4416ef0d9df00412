/**
 * The body of a test worker process (so a test can kill it with SIGKILL): connects to
 * TEMPORAL_ADDRESS, serves QUEUE_PREFIX's queues with a LocalStore at STORE_DIR, prints "ready"
 * once polling, and runs until killed.
 */
import { NativeConnection } from '@temporalio/worker';
import type { StepKind, StepSpec } from '../../engine/kind.js';
import type { ArtifactStore } from '../../store/types.js';
import { LocalStore } from '../../store/local.js';
import { createWorkers } from '../../worker/create-workers.js';

/** A required environment variable of the worker process. */
export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

export interface WorkerProcessOptions {
  queues: readonly string[];
  kinds(store: ArtifactStore): ReadonlyMap<string, StepKind> | Promise<ReadonlyMap<string, StepKind>>;
  /** Specs of test-only kinds. */
  extraSpecs?: readonly StepSpec[];
}

export async function runWorkerProcess(opts: WorkerProcessOptions): Promise<void> {
  const store = new LocalStore(requiredEnv('STORE_DIR'));
  const connection = await NativeConnection.connect({ address: requiredEnv('TEMPORAL_ADDRESS') });
  const workers = await createWorkers({
    connection,
    queuePrefix: requiredEnv('QUEUE_PREFIX'),
    queues: opts.queues,
    store,
    kinds: await opts.kinds(store),
    ...(opts.extraSpecs ? { extraSpecs: opts.extraSpecs } : {}),
    pipelinesDir: requiredEnv('STORE_DIR'),
  });
  process.stdout.write('ready\n');
  await Promise.all(workers.map((w) => w.run()));
}
