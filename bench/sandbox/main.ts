/**
 * bench/sandbox: every MBPP canonical solution judged (a) through the warm container pool,
 * (b) with one fresh container per task, (c) as plain unsandboxed subprocesses; same harness,
 * same parallelism, one run. Prints tasks per second for each and the ratios; the last line is
 * `sandbox: <figure> (goal <goal>)`. Goals: (a) >= 5x (b), and (a) >= 1/3 of (c).
 *
 * Settings (environment): BENCH_SANDBOX_PARALLEL (default: CPUs + 1), BENCH_SANDBOX_LIMIT (first N tasks
 * only, for a quick look), REPAIRITY_MBPP (the task file).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDockerClient } from '../../sandbox/docker/client.js';
import { listSandboxContainers, reapSandboxLeftovers } from '../../sandbox/docker/reaper.js';
import { normaliseTask } from '../../sandbox/formats/index.js';
import type { BackendName } from '../../sandbox/options.js';
import { runTasks, type RunSummary } from '../../sandbox/run-file.js';
import { createSandbox } from '../../sandbox/sandbox.js';
import { loadSettings } from '../../worker/settings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const mbppFile = process.env.REPAIRITY_MBPP ?? path.join(root, 'data', 'mbpp', 'mbpp.jsonl');
const parallel = Number(process.env.BENCH_SANDBOX_PARALLEL ?? os.availableParallelism() + 1);
const limit = Number(process.env.BENCH_SANDBOX_LIMIT ?? Infinity);

const rows = readFileSync(mbppFile, 'utf8').split('\n').filter((l) => l.trim()).slice(0, limit);
const tasks = rows.map((l, i) => normaliseTask(JSON.parse(l), i));
const settings = loadSettings().sandbox;
const docker = createDockerClient(settings.dockerHost ? { host: settings.dockerHost } : {});
await reapSandboxLeftovers({ docker });

interface Measured {
  summary: RunSummary;
  setupMs: number;
}

async function measure(backend: BackendName): Promise<Measured> {
  const sandbox = await createSandbox({
    backend,
    docker,
    poolSize: parallel,
    concurrency: parallel,
    timeoutMs: 30_000,
    warn: () => undefined,
  });
  try {
    const t0 = Date.now();
    if (backend !== 'docker-fresh') await sandbox.warm(); // pool start-up, paid once per worker
    const setupMs = Date.now() - t0;
    const { summary } = await runTasks(tasks, { sandbox });
    return { summary, setupMs };
  } finally {
    await sandbox.close();
  }
}

function line(label: string, m: Measured): string {
  const counts = Object.entries(m.summary.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return `${label.padEnd(34)} ${m.summary.tasksPerSecond.toFixed(2).padStart(7)} tasks/s  (${(m.summary.durationMs / 1000).toFixed(1)} s; start-up ${m.setupMs} ms; ${counts})`;
}

console.log(`bench/sandbox: ${tasks.length} MBPP canonical solutions, ${parallel} at a time, ${os.availableParallelism()} CPUs`);
const pool = await measure('docker-pool');
console.log(line('(a) warm container pool', pool));
const fresh = await measure('docker-fresh');
console.log(line('(b) fresh container per task', fresh));
const plain = await measure('UNSANDBOXED-host');
console.log(line('(c) plain subprocesses (unsandboxed)', plain));

const left = await listSandboxContainers(docker);
if (left.length) console.log(`WARNING: ${left.length} sandbox containers left behind`);
const a = pool.summary.tasksPerSecond;
const ab = a / fresh.summary.tasksPerSecond;
const ac = a / plain.summary.tasksPerSecond;
console.log(`ratios: (a)/(b) = ${ab.toFixed(2)}x, (a)/(c) = ${ac.toFixed(2)}`);
const met = ab >= 5 && ac >= 1 / 3;
console.log(`sandbox: pool ${a.toFixed(1)} tasks/s = ${ab.toFixed(1)}x fresh, ${ac.toFixed(2)}x subprocess${met ? '' : ' [GOAL NOT MET]'} (goal >= 5x fresh, >= 0.33x subprocess)`);
