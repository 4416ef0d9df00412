/**
 * bench/claude: 500 `claude.message` calls against the local Anthropic-compatible server answering
 * after 200 ms, at concurrency 32. Ideal throughput is 32 / 0.2 s = 160 calls/s; prints the
 * achieved throughput as a ratio of it (goal: at least 0.9).
 *
 * Two paths, each on a fresh artifact store (so every call is a real request):
 * The server runs in its own process (as the real API is elsewhere), so its work does not share
 * the event loop of the code under test.
 * - direct: the step implementation called from a pool of 32 (the activity's own overhead);
 * - engine: a pipeline with a forEach step run by the real engine (Temporal dev server, workers,
 *   the `claude` queue limited to 32 concurrent activities). Its ratio is the last line.
 * Each path first makes one untimed warm-up pass of the full size, as a worker that has run for a
 * while has compiled its hot code (its time is printed: the cold figure). Engine figures are then
 * the median of BENCH_CLAUDE_RUNS runs (default 5), each asking new questions.
 * BENCH_CLAUDE_CALLS, BENCH_CLAUDE_CONCURRENCY, BENCH_CLAUDE_LATENCY_MS change the sizes;
 * BENCH_CLAUDE_MODE=direct skips the engine path.
 */
// First, as in the worker's entry point: sizes libuv's thread pool before anything uses it.
import '../../worker/threadpool.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { buildCatalog } from '../../kinds/catalog.js';
import { createClaudeSteps } from '../../kinds/claude/index.js';
import type { StepContext, StepKind } from '../../engine/kind.js';
import { assembleKinds } from '../../kinds/assemble.js';
import { bindParams, compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { LocalStore } from '../../store/local.js';
import { startDevServer } from '../../dev-services/temporal.js';
import { createWorkers } from '../../worker/create-workers.js';
import { workflowQueue } from '../../workflows/queues.js';
import { loadSettings } from '../../worker/settings.js';

const CALLS = Number(process.env.BENCH_CLAUDE_CALLS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CLAUDE_CONCURRENCY ?? 32);
const LATENCY_MS = Number(process.env.BENCH_CLAUDE_LATENCY_MS ?? 200);
const MODE = process.env.BENCH_CLAUDE_MODE ?? 'engine';
const RUNS = Number(process.env.BENCH_CLAUDE_RUNS ?? 5);
const GOAL = 0.9;
const KEY = 'bench-key';
const IDEAL = CONCURRENCY / (LATENCY_MS / 1000);

function benchContext(store: LocalStore, i: number): StepContext {
  const noop = (): void => undefined;
  return {
    runId: 'bench',
    stepId: 'teacher',
    itemIndex: i,
    idempotencyKey: `bench/teacher/${i}`,
    attempt: 1,
    store,
    heartbeat: noop,
    lastHeartbeat: () => undefined,
    signal: new AbortController().signal,
    log: { info: noop, warn: noop, error: noop },
    reportUsage: noop,
    cache: true,
  };
}

async function tempStore(): Promise<{ store: LocalStore; dir: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-claude-'));
  return { store: new LocalStore(dir), dir };
}

async function direct(baseURL: string): Promise<number> {
  const { store, dir } = await tempStore();
  const steps = createClaudeSteps({ store, claude: { apiKey: KEY, baseURL, timeoutMs: 30_000, concurrency: CONCURRENCY } });
  const message = steps['claude.message']!;
  const pass = async (tag: string): Promise<number> => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < CALLS; i = next++) {
          await message({ model: 'claude-haiku-4-5', prompt: `${tag} item ${i}` }, benchContext(store, i));
        }
      }),
    );
    return (performance.now() - t0) / 1000;
  };
  console.log(`  direct warm-up: ${(await pass('direct-warmup')).toFixed(2)} s`);
  const seconds = await pass('direct');
  await fs.rm(dir, { recursive: true, force: true });
  return seconds;
}

/** A step that only sleeps as long as the server would: the engine's own ceiling for this shape. */
const sleepKind: StepKind = {
  spec: { name: 'bench.sleep', description: 'sleeps like a Claude call', queue: 'claude', version: '1', input: { type: 'object' }, output: { type: 'object' } },
  run: async () => {
    await new Promise((r) => setTimeout(r, LATENCY_MS));
    return {};
  },
};

async function engine(baseURL: string, uses = 'claude.message'): Promise<number> {
  const temporal = await startDevServer({ binary: loadSettings().defaults.temporalBin });
  const address = temporal.address;
  const { store, dir } = await tempStore();
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const prefix = `benchc${randomUUID().slice(0, 6)}-`;
  const catalog = buildCatalog([sleepKind.spec]);
  const impls = createClaudeSteps({ store, claude: { apiKey: KEY, baseURL, timeoutMs: 30_000, concurrency: CONCURRENCY } });
  const workers = await createWorkers({
    connection: native,
    queuePrefix: prefix,
    // The engine's own activities (forEach expansion, records) run on the cpu queue.
    queues: ['cpu', 'claude'],
    store,
    kinds: assembleKinds(catalog, { ...impls, [sleepKind.spec.name]: sleepKind.run }),
    extraSpecs: [sleepKind.spec],
    pipelinesDir: dir,
    limits: { claude: { maxConcurrent: CONCURRENCY } },
  });
  const running = workers.map((w) => w.run());
  const yaml = (tag: string, n: number) => `name: bench-claude
steps:
  teacher:
    uses: ${uses}
    forEach: ${JSON.stringify(Array.from({ length: n }, (_, i) => i))}
    concurrency: ${CONCURRENCY}
    with:
      model: claude-haiku-4-5
      prompt: "${tag} item \${{ item }}"
`;
  const run = async (tag: string, n: number): Promise<number> => {
    const compiled = compilePipeline(yaml(tag, n), { file: 'bench-claude.yaml', catalog });
    if (!compiled.ok) throw new Error(formatDiagnostics(compiled.diagnostics));
    const plan = compiled.plan;
    const t0 = performance.now();
    await client.workflow.execute('runPipeline', { taskQueue: workflowQueue(prefix), workflowId: `bench-claude-${randomUUID()}`, args: [{ plan, params: bindParams(plan, {}) }] });
    return (performance.now() - t0) / 1000;
  };
  try {
    console.log(`  ${uses} warm-up: ${(await run('warmup', CALLS)).toFixed(2)} s`);
    // Each run asks new questions (nothing comes from the memo); the median is reported.
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await run(`engine-${i}`, CALLS));
    console.log(`  ${uses} runs: ${times.map((t) => `${t.toFixed(2)} s`).join(', ')}`);
    return [...times].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  } finally {
    for (const w of workers) w.shutdown();
    await Promise.allSettled(running);
    await native.close();
    await connection.close();
    await temporal.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

interface LocalServer {
  url: string;
  counters(): Promise<{ successes: number }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `repairity claude-simulator` in a child process (its load apart from the measured client) and reads its URL. */
async function startServerProcess(): Promise<LocalServer> {
  const cli = path.join(import.meta.dirname, '..', '..', 'cli', 'main.ts');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', cli, 'claude-simulator', '--api-key', KEY, '--latency-ms', String(LATENCY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (l) => resolve(l.trim()));
    child.once('exit', (code) => reject(new Error(`claude-simulator exited with ${code}`)));
  });
  return {
    url,
    counters: async () => (await (await fetch(`${url}/_test/counters`)).json()) as { successes: number },
    reset: async () => {
      await (await fetch(`${url}/_test/reset`, { method: 'POST' })).text();
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startServerProcess();
  console.log(`${CALLS} calls, concurrency ${CONCURRENCY}, server latency ${LATENCY_MS} ms: ideal ${IDEAL.toFixed(0)} calls/s`);
  const floor = (Math.ceil(CALLS / CONCURRENCY) * LATENCY_MS) / 1000;
  console.log(`(${CALLS} calls ${CONCURRENCY} at a time need at least ${floor.toFixed(2)} s: ${(CALLS / floor / IDEAL).toFixed(3)} of ideal at best)`);
  const report = (name: string, seconds: number): number => {
    const rate = CALLS / seconds;
    console.log(`${name}: ${seconds.toFixed(2)} s, ${rate.toFixed(1)} calls/s, ${(rate / IDEAL).toFixed(3)} of ideal`);
    return rate / IDEAL;
  };
  try {
    await server.reset();
    let ratio = report('direct (step implementation, no Temporal)', await direct(server.url));
    const direct_ = (await server.counters()).successes;
    if (direct_ !== 2 * CALLS) throw new Error(`direct: server answered ${direct_} of ${2 * CALLS}`);
    if (MODE !== 'direct') {
      const ceiling = report('engine ceiling (same forEach, a step that only sleeps 200 ms, no HTTP)', await engine(server.url, 'bench.sleep'));
      await server.reset();
      ratio = report('engine (pipeline forEach on Temporal)', await engine(server.url));
      console.log(`claude.message through the engine reaches ${(ratio / ceiling).toFixed(2)} of the engine ceiling; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
      const viaEngine = (await server.counters()).successes;
      if (viaEngine !== (RUNS + 1) * CALLS) throw new Error(`engine: server answered ${viaEngine} of ${(RUNS + 1) * CALLS}`);
    }
    console.log(`claude: ${ratio.toFixed(2)} (goal ${GOAL})`);
  } finally {
    await server.stop();
  }
}

await main();
