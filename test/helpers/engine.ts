/**
 * Runs pipelines on the shared Temporal dev server with real workers, for integration tests.
 * Each engine gets its own task-queue prefix and store folder, so test files do not interfere.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { buildCatalog } from '../../kinds/catalog.js';
import type { StepImpl, StepKind, StepSpec } from '../../engine/kind.js';
import { loadKinds } from '../../kinds/implementations.js';
import type { RunEndSettings } from '../../activities/run-end/index.js';
import { createSandboxProvider, sandboxOptions } from '../../kinds/sandbox/index.js';
import type { Plan } from '../../engine/plan.js';
import { bindParams, compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { LocalStore } from '../../store/local.js';
import type { ArtifactStore } from '../../store/types.js';
import type { RunSummary } from '../../engine/progress.js';
import { workflowQueue } from '../../workflows/queues.js';
import { createWorkers, type QueueLimits } from '../../worker/create-workers.js';
import { kindSettings, loadSettings } from '../../worker/settings.js';

// Workers log warnings and errors only, so test output stays readable.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // A runtime already exists in this process (another helper installed it first).
}

export interface TestEngineOptions {
  /** Extra step kinds for the test (spec + implementation). */
  kinds?: StepKind[];
  store?: ArtifactStore;
  pipelinesDir?: string;
  limits?: Partial<Record<string, QueueLimits>>;
  /** Start workers now (default true). */
  startWorkers?: boolean;
  queuePrefix?: string;
  /** Notifications and experiment tracking at a run's end (default: literal webhooks only). */
  runEnd?: RunEndSettings;
}

export interface TestEngine {
  client: Client;
  connection: NativeConnection;
  store: ArtifactStore;
  storeDir: string;
  queuePrefix: string;
  taskQueue: string;
  extraSpecs: StepSpec[];
  compile(yaml: string, file?: string): Plan;
  start(plan: Plan, params?: Record<string, unknown>, workflowId?: string): Promise<WorkflowHandle>;
  run(yaml: string, params?: Record<string, unknown>): Promise<RunSummary>;
  startWorkers(): Promise<void>;
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

export function defineTestKind<I, O>(spec: Omit<StepSpec, 'version' | 'queue' | 'description'> & Partial<StepSpec>, run: StepImpl<I, O>): StepKind<I, O> {
  return { spec: { version: '1', queue: 'cpu', description: `test kind ${spec.name}`, ...spec }, run };
}

export async function createTestEngine(opts: TestEngineOptions = {}): Promise<TestEngine> {
  const address = inject('temporalAddress');
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const storeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-store-'));
  const store = opts.store ?? new LocalStore(storeDir);
  const queuePrefix = opts.queuePrefix ?? `t${randomUUID().slice(0, 8)}-`;
  const extraSpecs = (opts.kinds ?? []).map((k) => k.spec);
  const catalog = buildCatalog(extraSpecs);
  // Created on first use; closed with the engine so its warm containers go too.
  const settings = loadSettings();
  const sandbox = createSandboxProvider(sandboxOptions(settings));
  const kinds = await loadKinds({ store, settings: kindSettings(settings), dataRoot: process.cwd(), sandbox });
  for (const k of opts.kinds ?? []) kinds.set(k.spec.name, k);
  let workers: Worker[] = [];
  let running: Promise<unknown>[] = [];

  const engine: TestEngine = {
    client,
    connection,
    store,
    storeDir,
    queuePrefix,
    taskQueue: workflowQueue(queuePrefix),
    extraSpecs,
    compile(yaml, file = 'test.yaml') {
      const r = compilePipeline(yaml, { file, catalog });
      if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
      return r.plan;
    },
    async start(plan, params = {}, workflowId = `test-${randomUUID()}`) {
      return client.workflow.start('runPipeline', { taskQueue: workflowQueue(queuePrefix), workflowId, args: [{ plan, params: bindParams(plan, params) }] });
    },
    async run(yaml, params = {}) {
      const handle = await engine.start(engine.compile(yaml), params);
      return (await handle.result()) as RunSummary;
    },
    async startWorkers() {
      workers = await createWorkers({ connection, queuePrefix, store, kinds, extraSpecs, pipelinesDir: opts.pipelinesDir ?? path.join(process.cwd(), 'pipelines'), ...(opts.limits ? { limits: opts.limits } : {}), ...(opts.runEnd ? { runEnd: opts.runEnd } : {}) });
      running = workers.map((w) => w.run());
    },
    async stopWorkers() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      workers = [];
      running = [];
    },
    async close() {
      await engine.stopWorkers();
      await sandbox.close();
      await connection.close();
      await clientConnection.close();
    },
  };
  if (opts.startWorkers !== false) await engine.startWorkers();
  return engine;
}
