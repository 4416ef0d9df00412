/**
 * The engine's per-item cost alone: one step's 1,000 trivial items in two batches of 500 (window
 * 8 each, as bench-engine's step runs them, the items sent with the batches as a small fan-out's
 * are) through `runBatch`, beside the hand-written batch activity of bench-engine on the same
 * items, both in mock activity contexts with no Temporal server. Prints the median wall time and
 * the CPU time of a round of each (`npx tsx bench/engine/batch-only.ts`; BENCH_ROUNDS, default 60;
 * BENCH_PER_BATCH, default 500).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runBatch } from '../../activities/runtime/run-batch.js';
import type { BatchInvocation, ForEachContext } from '../../engine/invocation.js';
import type { StepKind } from '../../engine/kind.js';
import { LocalStore } from '../../store/local.js';
import { createBatchedActivities } from './batched-activities.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const PER_BATCH = Number(process.env.BENCH_PER_BATCH ?? 500);
const WARMUP = 10;
const STARTS = [0, PER_BATCH];

const noopKind: StepKind = {
  spec: { name: 'bench.noop', description: 'does nothing', queue: 'cpu', version: '1', input: { type: 'object' }, output: { type: 'object', properties: { i: { type: 'integer' } } } },
  run: async (input: { i: number }) => ({ i: input.i }),
};
const hand = createBatchedActivities(async (i) => ({ i }));
const itemsFrom = (start: number) => Array.from({ length: PER_BATCH }, (_, i) => start + i);

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-batch-'));
const store = new LocalStore(dir);
const engine = { times: [] as number[], cpu: 0 };
const byHand = { times: [] as number[], cpu: 0 };
/** Times a round of `run`, after the warm-up. */
async function timed(into: typeof engine, r: number, run: () => Promise<unknown>): Promise<void> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await run();
  if (r < WARMUP) return;
  into.times.push(performance.now() - t0);
  const used = process.cpuUsage(cpu);
  into.cpu += used.user + used.system;
}
const mock = () => new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 60_000 });
for (let r = 0; r < ROUNDS + WARMUP; r++) {
  const runId = `bench-${r}@run`;
  const context: ForEachContext = { run: { runId, planHash: 'plan' }, step: { stepId: 'work', uses: 'bench.noop', kindVersion: '1', with: { i: '${{ item }}' }, cache: false, maximumAttempts: 3 }, scope: { params: {}, steps: {} } };
  const batch = (start: number): BatchInvocation => ({ mode: 'batch', context, items: itemsFrom(start), batch: { start, count: PER_BATCH }, window: 8, failFast: true, itemTimeoutMs: 600_000, maximumAttempts: 3, nonRetryableErrorTypes: [] });
  await timed(engine, r, () => Promise.all(STARTS.map((start) => mock().run(runBatch, noopKind, batch(start), store))));
  const handDir = await fs.mkdtemp(path.join(dir, 'hand-'));
  await timed(byHand, r, () => Promise.all(STARTS.map((start) => mock().run(hand.processBatch, { dir: handDir, start, items: itemsFrom(start), concurrency: 8 }))));
}
await fs.rm(dir, { recursive: true, force: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const line = (label: string, m: typeof engine) => `${label} median ${median(m.times).toFixed(1)} ms a round, CPU ${(m.cpu / 1000 / ROUNDS).toFixed(1)} ms`;
console.log(`2 x ${PER_BATCH} trivial items (${ROUNDS} rounds): ${line('runBatch', engine)}; ${line('hand-written batch activity', byHand)}`);
