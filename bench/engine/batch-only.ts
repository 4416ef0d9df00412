/**
 * The engine's per-item cost alone: one step's 1,000 trivial items in two batches of 500 (window
 * 8 each, as bench-engine's step runs them) through `runBatch` in mock activity contexts, with no
 * Temporal server. Prints the median wall time and the CPU time of a round
 * (`npx tsx bench/engine/batch-only.ts`; BENCH_ROUNDS, default 30).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runKeys } from '../../activities/runtime/keys.js';
import { runBatch } from '../../activities/runtime/run-batch.js';
import type { BatchInvocation } from '../../engine/invocation.js';
import type { StepKind } from '../../engine/kind.js';
import { writeJson } from '../../store/json.js';
import { LocalStore } from '../../store/local.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const WARMUP = 3;
const STARTS = [0, 500];

const noopKind: StepKind = {
  spec: { name: 'bench.noop', description: 'does nothing', queue: 'cpu', version: '1', input: { type: 'object' }, output: { type: 'object', properties: { i: { type: 'integer' } } } },
  run: async (input: { i: number }) => ({ i: input.i }),
};

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-batch-'));
const store = new LocalStore(dir);
const times: number[] = [];
const cpuBefore = process.cpuUsage();
for (let r = 0; r < ROUNDS + WARMUP; r++) {
  const runId = `bench-${r}@run`;
  const context = runKeys.forEachContext(runId, 'work');
  await writeJson(store, context, { run: { runId, planHash: 'plan' }, step: { stepId: 'work', uses: 'bench.noop', kindVersion: '1', with: { i: '${{ item }}' }, cache: false, maximumAttempts: 3 }, scope: { params: {}, steps: {} } });
  for (const start of STARTS) await writeJson(store, runKeys.batchItems(runId, 'work', start), { start, items: Array.from({ length: 500 }, (_, i) => start + i) });
  const t0 = performance.now();
  const batch = (start: number): BatchInvocation => ({ mode: 'batch', context, batch: { start, count: 500 }, window: 8, failFast: true, itemTimeoutMs: 600_000, maximumAttempts: 3, nonRetryableErrorTypes: [] });
  await Promise.all(STARTS.map((start) => new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 60_000 }).run(runBatch, noopKind, batch(start), store)));
  if (r >= WARMUP) times.push(performance.now() - t0);
}
const cpu = process.cpuUsage(cpuBefore);
await fs.rm(dir, { recursive: true, force: true });
const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
console.log(`runBatch, 2 x 500 trivial items: median ${median.toFixed(1)} ms a round, CPU ${((cpu.user + cpu.system) / 1000 / (ROUNDS + WARMUP)).toFixed(1)} ms a round (${ROUNDS} rounds)`);
