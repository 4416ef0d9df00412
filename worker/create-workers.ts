/**
 * Builds the Temporal workers of one process: the workflow worker (which also runs the engine's
 * local activities) and one activity worker per served task queue, each with its own limits.
 */
import { createRequire } from 'node:module';
import { bundleWorkflowCode, type NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { buildCatalog, type StepCatalog } from '../activities/catalog.js';
import type { StepKind, StepSpec } from '../activities/define.js';
import { createEngineActivities } from '../activities/runtime/engine-activities.js';
import { bindParams } from '../compiler/index.js';
import type { ArtifactStore } from '../store/types.js';
import { activityQueue, workflowQueue } from '../workflows/queues.js';
import { preparePipelineRun } from './prepare-run.js';

export const ALL_QUEUES = ['cpu', 'claude', 'sandbox', 'gpu'] as const;

export interface QueueLimits {
  /** Activities this worker runs at once on the queue. */
  maxConcurrent?: number;
  /** Activities per second across ALL workers of the queue (server-enforced). */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Activities per second for this worker alone. */
  maxActivitiesPerSecond?: number;
}

export interface WorkerSetupOptions {
  connection: NativeConnection;
  namespace?: string;
  /** Prefix of task queue names; default none. */
  queuePrefix?: string;
  /** Step queues served by this process; default all. `workflows: false` leaves out the workflow worker. */
  queues?: readonly string[];
  workflows?: boolean;
  store: ArtifactStore;
  kinds: ReadonlyMap<string, StepKind>;
  /** Specs beyond the default catalog (tests register their own kinds). */
  extraSpecs?: readonly StepSpec[];
  pipelinesDir: string;
  limits?: Partial<Record<string, QueueLimits>>;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow code, bundled once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const require = createRequire(import.meta.url);
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../workflows/index.ts'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn(m: string) { console.warn(m); }, error(m: string) { console.error(m); } } as never });
  return bundle;
}

export async function createWorkers(opts: WorkerSetupOptions): Promise<Worker[]> {
  const catalog: StepCatalog = buildCatalog(opts.extraSpecs);
  const activities = createEngineActivities({
    store: opts.store,
    kinds: opts.kinds,
    preparePipeline: (pipeline, params) => preparePipelineRun(opts.pipelinesDir, pipeline, params, catalog),
    bindParams: (plan, params) => bindParams(plan, params),
  });
  const wfQueue = workflowQueue(opts.queuePrefix);
  const namespace = opts.namespace ?? 'default';
  const workers: Worker[] = [];
  if (opts.workflows !== false) {
    workers.push(
      await Worker.create({
        connection: opts.connection,
        namespace,
        taskQueue: wfQueue,
        workflowBundle: await workflowBundle(),
        activities,
        maxCachedWorkflows: 500,
      }),
    );
  }
  for (const queue of opts.queues ?? ALL_QUEUES) {
    const limits = opts.limits?.[queue] ?? {};
    workers.push(
      await Worker.create({
        connection: opts.connection,
        namespace,
        taskQueue: activityQueue(wfQueue, queue),
        activities,
        ...(limits.maxConcurrent !== undefined ? { maxConcurrentActivityTaskExecutions: limits.maxConcurrent } : {}),
        ...(limits.maxActivitiesPerSecond !== undefined ? { maxActivitiesPerSecond: limits.maxActivitiesPerSecond } : {}),
        ...(limits.maxTaskQueueActivitiesPerSecond !== undefined ? { maxTaskQueueActivitiesPerSecond: limits.maxTaskQueueActivitiesPerSecond } : {}),
      }),
    );
  }
  return workers;
}

/** Runs the workers until the promise settles (or until they are shut down), then stops them. */
export async function runWorkersUntil<T>(workers: Worker[], until: Promise<T>): Promise<T> {
  const [first, ...rest] = workers;
  if (!first) return until;
  const nested = rest.reduce<Promise<T>>((p, w) => w.runUntil(p), until);
  return first.runUntil(nested);
}
