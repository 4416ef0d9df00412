/**
 * bench/engine: the same 1,000-item fan-out of trivial items through the engine (a pipeline with a
 * forEach step) and through hand-written Temporal workflows, on one dev server in one run: the
 * obvious one (an activity per item, shown for scale) and the one an expert writes for the job
 * (items cut into batches, one activity per batch with the same concurrency, results written to
 * files and joined by one activity, never returned into history: handwritten-workflow.ts).
 *
 * The batched one runs twice: with its batch activities on a task queue of their own, served by a
 * worker of their own, as the engine's are (a step's activities go to its resource's queue, `cpu`
 * here, so CPU, GPU, Claude and sandbox work scale apart), and on the workflow's own queue, where
 * Temporal starts them on the workflow's worker eagerly, skipping a round trip through matching
 * (shown, not the goal: the engine's topology cannot have it). Rounds alternate so drift hits all
 * alike; the figure is the ratio of median times, engine / hand-batched on their own queue (goal:
 * at most 1.05). `make bench-engine` runs it built by esbuild, as dist/ is (mk/engine.mk); through
 * tsx it runs the same, a little slower.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { buildCatalog } from '../../kinds/catalog.js';
import type { StepKind } from '../../engine/kind.js';
import { assembleKinds } from '../../kinds/assemble.js';
import { bindParams, compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { LocalStore } from '../../store/local.js';
import { createWorkers } from '../../worker/create-workers.js';
import { workflowQueue } from '../../workflows/queues.js';
import { createBatchedActivities } from './batched-activities.js';
import { startDevServer } from '../../dev-services/temporal.js';
import { loadSettings } from '../../worker/settings.js';
import { printPhases, printTimeline } from './timeline.js';
import { packageRoot } from '../../core/package-root.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/**
 * Timed rounds of each path. A run takes about 50 ms, so one slow scheduling moves a median: with
 * 15 rounds the figure moved by 0.1 from one bench to the next, with 30 by 0.07-0.1, with 60 by 0.04.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
/**
 * Runs of each path before any is timed: a worker runs for days, so the figure is its steady
 * state, once V8 has compiled the hot paths (the engine's first few runs take up to half as long
 * again as its later ones; the hand-written paths, a few lines each, warm up at once).
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
/** Rounds of the slow per-item baseline, shown for scale only. */
const PER_ITEM_ROUNDS = Number(process.env.BENCH_PER_ITEM_ROUNDS ?? 2);
const GOAL = 1.05;

const noopKind: StepKind = {
  spec: { name: 'bench.noop', description: 'does nothing', queue: 'cpu', version: '1', input: { type: 'object' }, output: { type: 'object', properties: { i: { type: 'integer' } } } },
  run: async (input: { i: number }) => ({ i: input.i }),
};

async function main(): Promise<void> {
  const server = await startDevServer({ binary: loadSettings().defaults.temporalBin });
  const address = server.address;
  const storeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-engine-'));
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const prefix = `bench${randomUUID().slice(0, 6)}-`;
  const catalog = buildCatalog([noopKind.spec]);
  const store = new LocalStore(storeDir);
  const engineWorkers = await createWorkers({ connection: nativeConnection, queuePrefix: prefix, queues: ['cpu'], store, kinds: assembleKinds(catalog, { 'bench.noop': noopKind.run }), extraSpecs: [noopKind.spec], pipelinesDir: storeDir });
  const handQueue = `${prefix}handwritten`;
  const handActivities = { noop: async (i: number) => i, ...createBatchedActivities(async (i) => ({ i })) };
  const handWorker = await Worker.create({ connection: nativeConnection, taskQueue: handQueue, workflowsPath: path.join(packageRoot(), 'bench', 'engine', 'handwritten-workflow.ts'), activities: handActivities });
  // The batch activities' own queue and worker, as the engine's `cpu` queue has.
  const handCpuQueue = `${handQueue}-cpu`;
  const handCpuWorker = await Worker.create({ connection: nativeConnection, taskQueue: handCpuQueue, activities: handActivities });
  const workers = [...engineWorkers, handWorker, handCpuWorker];
  const running = workers.map((w) => w.run());

  const compiled = compilePipeline(
    `name: bench-fanout
steps:
  work:
    uses: bench.noop
    forEach: ${JSON.stringify(Array.from({ length: ITEMS }, (_, i) => i))}
    concurrency: ${CONCURRENCY}
    cache: false
    with: { i: "\${{ item }}" }
`,
    { file: 'bench-fanout.yaml', catalog },
  );
  if (!compiled.ok) throw new Error(formatDiagnostics(compiled.diagnostics));
  const plan = compiled.plan;

  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  // The timed runs' workflow ids, for BENCH_TIMELINE.
  const runIds = { engine: [] as string[], batched: [] as string[] };
  const engineRun = () => {
    const workflowId = `bench-engine-${randomUUID()}`;
    runIds.engine.push(workflowId);
    return client.workflow.execute('runPipeline', { taskQueue: workflowQueue(prefix), workflowId, args: [{ plan, params: bindParams(plan, {}) }] });
  };
  const handRun = () => client.workflow.execute('handwrittenFanOut', { taskQueue: handQueue, workflowId: `bench-hand-${randomUUID()}`, args: [ITEMS, CONCURRENCY] });
  const items = Array.from({ length: ITEMS }, (_, i) => i);
  const batchedRun = (activityQueue?: string) => async () => {
    const dir = await fs.mkdtemp(path.join(storeDir, 'batched-'));
    const workflowId = `bench-batched-${randomUUID()}`;
    if (activityQueue) runIds.batched.push(workflowId);
    await client.workflow.execute('handBatchedFanOut', { taskQueue: handQueue, workflowId, args: [items, CONCURRENCY, dir, ...(activityQueue ? [activityQueue] : [])] });
  };
  const batchedOwnQueue = batchedRun(handCpuQueue);
  const batchedEager = batchedRun();

  // Warm up every path (workflow bundles, caches, compiled code), then alternate so drift hits them alike.
  for (let r = 0; r < WARMUP; r++) {
    await engineRun();
    await batchedOwnQueue();
    await batchedEager();
  }
  if (PER_ITEM_ROUNDS > 0) await handRun();
  runIds.engine.length = runIds.batched.length = 0;
  const times = { engine: [] as number[], batched: [] as number[], eager: [] as number[], perItem: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    times.eager.push(await time(batchedEager));
    times.batched.push(await time(batchedOwnQueue));
    times.engine.push(await time(engineRun));
    // The slow one a few rounds only: it is shown for scale.
    if (r < PER_ITEM_ROUNDS) times.perItem.push(await time(handRun));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const line = (label: string, xs: number[]) => console.log(`${label.padEnd(34)} ${median(xs).toFixed(2)} s (${(ITEMS / median(xs)).toFixed(0)} items/s)  runs: ${xs.map((t) => t.toFixed(2)).join(' ')}`);
  const e = median(times.engine);
  const h = median(times.batched);
  console.log(`items ${ITEMS}, concurrency ${CONCURRENCY}, ${ROUNDS} rounds after ${WARMUP} of warm-up (median)`);
  if (times.perItem.length > 0) line('hand-written, an activity per item:', times.perItem);
  line('hand-written, batched, eager:', times.eager);
  line('hand-written, batched, own queue:', times.batched);
  line('engine (forEach):', times.engine);
  const perItem = times.perItem.length > 0 ? `; engine / per-item: ${(e / median(times.perItem)).toFixed(2)}` : '';
  console.log(`engine / hand-batched on their own queue: ratio of median times; engine / hand-batched eager: ${(e / median(times.eager)).toFixed(2)}${perItem}`);
  if (process.env.BENCH_TIMELINE === '1') {
    console.log('timeline of the last engine run:');
    await printTimeline(client, runIds.engine.at(-1)!);
    console.log('timeline of the last hand-batched run (own queue):');
    await printTimeline(client, runIds.batched.at(-1)!);
    await printPhases(client, 'engine (forEach):', runIds.engine, 'bench.noop');
    await printPhases(client, 'hand-written, batched, own queue:', runIds.batched, 'processBatch');
  }
  for (const w of workers) w.shutdown();
  await Promise.allSettled(running);
  await nativeConnection.close();
  await connection.close();
  await server.stop();
  await fs.rm(storeDir, { recursive: true, force: true });
  console.log(`engine: ${(e / h).toFixed(2)} (goal <= ${GOAL})`);
}

await main();
