/**
 * bench/engine: the same 1,000-item fan-out of trivial activities through the engine (a pipeline
 * with a forEach step) and through a hand-written Temporal workflow, on one dev server in one run.
 * Prints both times and the ratio engine / hand-written (goal: at most 1.15).
 * The hand-written workflow is the straightforward one, an activity per item; the engine runs
 * items in chunk activities (many items each), so it is now much faster than that baseline: the
 * ratio says the engine costs nothing over writing the fan-out by hand the obvious way, not that
 * chunks beat a hand-written chunked workflow.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { buildCatalog } from '../../kinds/catalog.js';
import type { StepKind } from '../../engine/kind.js';
import { assembleKinds } from '../../kinds/assemble.js';
import { bindParams, compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { LocalStore } from '../../store/local.js';
import { createWorkers } from '../../worker/create-workers.js';
import { workflowQueue } from '../../workflows/queues.js';
import { startDevServer } from '../../dev-services/temporal.js';
import { loadSettings } from '../../worker/settings.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL = 1.15;

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
  const require = createRequire(import.meta.url);
  const handQueue = `${prefix}handwritten`;
  const handWorker = await Worker.create({ connection: nativeConnection, taskQueue: handQueue, workflowsPath: require.resolve('./handwritten-workflow.ts'), activities: { noop: async (i: number) => i } });
  const workers = [...engineWorkers, handWorker];
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
  const engineRun = () => client.workflow.execute('runPipeline', { taskQueue: workflowQueue(prefix), workflowId: `bench-engine-${randomUUID()}`, args: [{ plan, params: bindParams(plan, {}) }] });
  const handRun = () => client.workflow.execute('handwrittenFanOut', { taskQueue: handQueue, workflowId: `bench-hand-${randomUUID()}`, args: [ITEMS, CONCURRENCY] });

  // Warm up both paths (workflow bundles, caches), then alternate so drift hits both alike.
  await engineRun();
  await handRun();
  const engineTimes: number[] = [];
  const handTimes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    handTimes.push(await time(handRun));
    engineTimes.push(await time(engineRun));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const e = median(engineTimes);
  const h = median(handTimes);
  console.log(`items ${ITEMS}, concurrency ${CONCURRENCY}, ${ROUNDS} rounds (median)`);
  console.log(`hand-written workflow: ${h.toFixed(2)} s (${(ITEMS / h).toFixed(0)} items/s)  runs: ${handTimes.map((t) => t.toFixed(2)).join(' ')}`);
  console.log(`engine (forEach):      ${e.toFixed(2)} s (${(ITEMS / e).toFixed(0)} items/s)  runs: ${engineTimes.map((t) => t.toFixed(2)).join(' ')}`);
  for (const w of workers) w.shutdown();
  await Promise.allSettled(running);
  await nativeConnection.close();
  await connection.close();
  await server.stop();
  await fs.rm(storeDir, { recursive: true, force: true });
  console.log(`engine: ${(e / h).toFixed(2)} (goal ${GOAL})`);
}

await main();
