/**
 * Builds the Temporal workers of one process: the workflow worker (which also runs the engine's
 * local activities) and one activity worker per served task queue, each with its own limits.
 */
import path from 'node:path';
import { bundleWorkflowCode, type NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { buildCatalog, type StepCatalog } from '../kinds/catalog.js';
import type { StepKind } from '../engine/kind.js';
import type { StepSpec } from '../engine/kind.js';
import { createEngineActivities, createStepActivities } from '../activities/runtime/engine-activities.js';
import type { RunEndSettings } from '../activities/run-end/index.js';
import { ItemSlots } from '../activities/runtime/item-slots.js';
import { bindParams } from '../compiler/index.js';
import type { ArtifactStore } from '../store/types.js';
import { activityQueue, workflowQueue } from '../workflows/queues.js';
import { packageRoot, runsFromBuild } from '../core/package-root.js';
import { preparePipelineRun } from './prepare-run.js';

export const ALL_QUEUES = ['cpu', 'claude', 'sandbox', 'gpu'] as const;

export interface QueueLimits {
  /** Activities, and forEach items, this worker runs at once on the queue. */
  maxConcurrent?: number;
  /**
   * Activities per second across ALL workers of the queue (server-enforced). forEach items run in
   * batches (many items per activity), so items are also held to this rate in each worker.
   */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Activities, and forEach items, per second for this worker alone. */
  maxActivitiesPerSecond?: number;
}

/** The per-worker item limits of each served queue that has any. */
function itemSlotsOf(wfQueue: string, queues: readonly string[], limits: Partial<Record<string, QueueLimits>> = {}): Map<string, ItemSlots> {
  const slots = new Map<string, ItemSlots>();
  for (const queue of queues) {
    const l = limits[queue];
    if (l?.maxConcurrent === undefined) continue;
    const perSecond = Math.min(l.maxActivitiesPerSecond ?? Infinity, l.maxTaskQueueActivitiesPerSecond ?? Infinity);
    slots.set(activityQueue(wfQueue, queue), new ItemSlots({ concurrency: l.maxConcurrent, ...(perSecond < Infinity ? { perSecond } : {}) }));
  }
  return slots;
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
  /** Whether a forEach step's batches in this worker lend each other idle runners; default true (benchmarks compare). */
  lendRunners?: boolean;
  /** Notifications and experiment tracking at a run's end (see activities/run-end). */
  runEnd?: RunEndSettings;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow code, bundled once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  // Temporal's bundler compiles .ts only outside node_modules, so the build ships workflows/ as JavaScript.
  const workflowsPath = runsFromBuild ? path.join(packageRoot(), 'dist', 'workflows', 'index.js') : path.join(packageRoot(), 'workflows', 'index.ts');
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn(m: string) { console.warn(m); }, error(m: string) { console.error(m); } } as never });
  return bundle;
}

export async function createWorkers(opts: WorkerSetupOptions): Promise<Worker[]> {
  const catalog: StepCatalog = buildCatalog(opts.extraSpecs);
  const wfQueue = workflowQueue(opts.queuePrefix);
  const stepActivities = createStepActivities({
    itemSlots: itemSlotsOf(wfQueue, opts.queues ?? ALL_QUEUES, opts.limits),
    store: opts.store,
    kinds: opts.kinds,
    ...(opts.lendRunners !== undefined ? { lendRunners: opts.lendRunners } : {}),
  });
  // The engine's own activities are local activities of the workflow worker.
  const engineActivities = createEngineActivities({
    store: opts.store,
    kinds: opts.kinds,
    ...(opts.runEnd ? { runEnd: opts.runEnd } : {}),
    preparePipeline: (pipeline, params) => preparePipelineRun(opts.pipelinesDir, pipeline, params, catalog),
    bindParams: (plan, params) => bindParams(plan, params),
  });
  const namespace = opts.namespace ?? 'default';
  const workers: Worker[] = [];
  if (opts.workflows !== false) {
    workers.push(
      await Worker.create({
        connection: opts.connection,
        namespace,
        taskQueue: wfQueue,
        workflowBundle: await workflowBundle(),
        activities: engineActivities,
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
        activities: stepActivities,
        // Batches of forEach items heartbeat their progress; the CLI shows it live, so let it through often.
        maxHeartbeatThrottleInterval: '2 seconds',
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
