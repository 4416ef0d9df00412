/**
 * bench/lanes: a forEach whose items get dearer along the list, as in a dataset sorted by size or
 * difficulty: 500 items at concurrency 32, each a step that sleeps 200 ms, the last quarter 400 ms.
 * The engine runs such a step in batches of contiguous items (4 at once here, 8 items in flight
 * each), so the batch with the dear items would run alone at the end; batches of a step in one
 * worker lend each other idle runners instead (the bench keeps its first name, `lanes`). Runs the
 * same step with lending on and off in one run (median of BENCH_LANES_RUNS, default 3, after a
 * warm-up pass each) and prints the achieved time as a ratio of the ideal: the items' total time
 * over 32 runners (goal: at least 0.9).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { buildCatalog } from '../../kinds/catalog.js';
import type { StepKind } from '../../engine/kind.js';
import { assembleKinds } from '../../kinds/assemble.js';
import { bindParams, compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { LocalStore } from '../../store/local.js';
import { startDevServer } from '../../dev-services/temporal.js';
import { createWorkers } from '../../worker/create-workers.js';
import { workflowQueue } from '../../workflows/queues.js';
import { loadSettings } from '../../worker/settings.js';

const ITEMS = 500;
const CONCURRENCY = 32;
const LATENCY_MS = 200;
const RUNS = Number(process.env.BENCH_LANES_RUNS ?? 3);
const GOAL = 0.9;
/** Items from here on take twice as long. */
const DEAR_FROM = Math.floor((ITEMS * 3) / 4);
const latencyOf = (item: number): number => (item >= DEAR_FROM ? 2 * LATENCY_MS : LATENCY_MS);
const IDEAL_S = Array.from({ length: ITEMS }, (_, i) => latencyOf(i)).reduce((a, b) => a + b, 0) / 1000 / CONCURRENCY;

const sleepKind: StepKind = {
  spec: { name: 'bench.sleep', description: 'sleeps as long as its item costs', queue: 'claude', version: '1', input: { type: 'object', properties: { item: { type: 'integer' } }, required: ['item'] }, output: { type: 'object' } },
  run: async (input) => {
    await new Promise((r) => setTimeout(r, latencyOf((input as { item: number }).item)));
    return {};
  },
};

async function timeSteps(client: Client, prefix: string, catalog: ReturnType<typeof buildCatalog>): Promise<{ warmup: number; times: number[] }> {
  const run = async (tag: string): Promise<number> => {
    const yaml = `name: bench-lanes
steps:
  work:
    uses: bench.sleep
    forEach: ${JSON.stringify(Array.from({ length: ITEMS }, (_, i) => i))}
    concurrency: ${CONCURRENCY}
    cache: false
    with: { item: "\${{ item }}" }
`;
    const compiled = compilePipeline(yaml, { file: `bench-lanes-${tag}.yaml`, catalog });
    if (!compiled.ok) throw new Error(formatDiagnostics(compiled.diagnostics));
    const t0 = performance.now();
    await client.workflow.execute('runPipeline', { taskQueue: workflowQueue(prefix), workflowId: `bench-lanes-${randomUUID()}`, args: [{ plan: compiled.plan, params: bindParams(compiled.plan, {}) }] });
    return (performance.now() - t0) / 1000;
  };
  const warmup = await run('warmup');
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await run(String(i)));
  return { warmup, times };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const temporal = await startDevServer({ binary: loadSettings().defaults.temporalBin });
  const address = temporal.address;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-lanes-'));
  const store = new LocalStore(dir);
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const catalog = buildCatalog([sleepKind.spec]);
  console.log(`${ITEMS} items at concurrency ${CONCURRENCY}: ${LATENCY_MS} ms each, the last quarter ${2 * LATENCY_MS} ms; ideal ${IDEAL_S.toFixed(2)} s (all the items' time over ${CONCURRENCY} runners)`);
  const ratios: Record<string, number> = {};
  try {
    for (const lendRunners of [false, true]) {
      const prefix = `benchl${randomUUID().slice(0, 6)}-`;
      const workers = await createWorkers({
        connection: native,
        queuePrefix: prefix,
        queues: ['cpu', 'claude'],
        store,
        kinds: assembleKinds(catalog, { [sleepKind.spec.name]: sleepKind.run }),
        extraSpecs: [sleepKind.spec],
        pipelinesDir: dir,
        limits: { claude: { maxConcurrent: CONCURRENCY } },
        lendRunners,
      });
      const running = workers.map((w) => w.run());
      try {
        const { warmup, times } = await timeSteps(client, prefix, catalog);
        const name = lendRunners ? 'batches lend idle runners' : 'each batch alone';
        const t = median(times);
        ratios[name] = IDEAL_S / t;
        console.log(`${name}: ${t.toFixed(2)} s, ${(IDEAL_S / t).toFixed(3)} of ideal (runs ${times.map((x) => x.toFixed(2)).join(', ')}; warm-up ${warmup.toFixed(2)} s)`);
      } finally {
        for (const w of workers) w.shutdown();
        await Promise.allSettled(running);
      }
    }
  } finally {
    await native.close();
    await connection.close();
    await temporal.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
  console.log(`lanes: ${ratios['batches lend idle runners']!.toFixed(2)} (goal ${GOAL})`);
}

await main();
