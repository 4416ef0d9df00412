/**
 * A PPO step across runs, on the real Temporal dev server with the real trainer: run A's trainer
 * is killed (the step fails for good) and `repairity logs` prints its full stderr; run B, with the
 * same inputs, resumes from A's stored checkpoint and is cancelled with `repairity cancel` mid-run
 * (final checkpoint stored, no trainer process or work folder left); run C resumes from B's final
 * checkpoint and ends with the weights of an uninterrupted run in another store.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckpointRecord } from '../../kinds/training/checkpoint-registry.js';
import type { TrainingHeartbeat } from '../../kinds/training/index.js';
import { readJson } from '../../store/json.js';
import type { RunProgress, RunSummary } from '../../engine/progress.js';
import { runRepairity } from '../helpers/cli.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { trainerPython } from '../../core/env.js';

let engine: TestEngine;
let reference: TestEngine;
let workRoot: string;
const flags = () => ['--address', inject('temporalAddress')];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PIPELINE = `
name: ops-ppo
params:
  prompts: { type: string }
defaults:
  cache: true
  heartbeatTimeout: 10s
  retry: { attempts: 1 }
steps:
  ppo:
    uses: train.ppo
    with:
      toyReward: "char_fraction:ab"
      prompts: \${{ params.prompts }}
      seed: 3
      config:
        threads: 1
        # Long enough that every run outlasts the 2 s heartbeat throttle many times on an idle
        # machine (30 iterations took 1.7 s there: the run ended before the kill could land).
        iterations: 200
        batch_size: 4
        minibatch_size: 2
        ppo_epochs: 1
        max_new_tokens: 6
        checkpoint: { interval: 2, keep: 2 }
outputs:
  sha256: \${{ steps.ppo.outputs.sha256 }}
  resumedFrom: \${{ steps.ppo.outputs.resumedFrom }}
`;

type Beat = TrainingHeartbeat & { resumed?: string };

/** The running PPO activity's last heartbeat once `ok` holds for it. */
async function waitForBeat(handle: WorkflowHandle, ok: (b: Beat) => boolean, deadlineMs = 400_000): Promise<Beat> {
  const start = Date.now();
  while (Date.now() - start < deadlineMs) {
    for (const p of (await handle.describe()).raw.pendingActivities ?? []) {
      const payload = p.heartbeatDetails?.payloads?.[0];
      const beat = payload ? defaultPayloadConverter.fromPayload<Beat>(payload) : undefined;
      if (beat && ok(beat)) return beat;
    }
    await sleep(200);
  }
  throw new Error('the expected heartbeat never came');
}

/** Trainer processes working in an attempt's folder under workRoot (the idle warm one works in the temp folder). */
async function trainers(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await fs.readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd.startsWith(path.join(workRoot, 'repairity-ppo-'))) pids.push(Number(entry));
  }
  return pids;
}

async function registry(store: TestEngine['store']): Promise<CheckpointRecord[]> {
  const out: CheckpointRecord[] = [];
  for await (const key of store.list('checkpoints/ppo/')) out.push(await readJson<CheckpointRecord>(store, key));
  return out;
}

beforeAll(async () => {
  workRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-ops-train-'));
  process.env.REPAIRITY_PYTHON ??= trainerPython(process.env);
  process.env.REPAIRITY_TRAINER_WORKDIR = workRoot;
  engine = await createTestEngine();
  // The reference trains in its own folder, so that only this engine's trainers are found there.
  process.env.REPAIRITY_TRAINER_WORKDIR = path.join(workRoot, 'reference');
  reference = await createTestEngine();
});

afterAll(async () => {
  await engine?.close();
  await reference?.close();
  await fs.rm(workRoot, { recursive: true, force: true });
});

describe('a training step across runs', () => {
  it('killed (logs keep its stderr), resumed and cancelled (final checkpoint), resumed again: the weights of an uninterrupted run', async () => {
    const prompts = Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `fix ${'abcdefgh'.slice(i)}:` })).join('\n') + '\n';
    const params = { prompts: (await engine.store.putContent(prompts)).uri };
    const plan = engine.compile(PIPELINE, 'ops-ppo.yaml');
    const uninterrupted = reference.start(plan, { prompts: (await reference.store.putContent(prompts)).uri }).then((h) => h.result() as Promise<RunSummary>);

    // A: the trainer dies; the step fails for good (one attempt).
    const a = await engine.start(plan, params, `ops-ppo-a-${randomUUID().slice(0, 8)}`);
    await waitForBeat(a, (b) => (b.checkpointStep ?? 0) >= 12);
    const [pid] = await trainers();
    process.kill(pid!, 'SIGKILL');
    await expect(a.result()).rejects.toThrow();
    const failure = (await a.query<RunProgress>('progress')).steps[0]!.error!;
    expect(failure).toContain('killed by SIGKILL');
    const logs = await runRepairity(['logs', a.workflowId, '--step', 'ppo', '--store', engine.store.rootUri, ...flags()]);
    expect(logs.error).toBeUndefined();
    const stderr = logs.stdout.split('\n').filter((l) => l.includes('[stderr]'));
    // The whole stderr, where the failure's message keeps only its last 8 lines.
    expect(stderr.length).toBeGreaterThan(12);
    expect(failure).not.toContain('ppo iteration 1:');
    expect(logs.stdout).toMatch(/\[stderr\] .*ppo iteration 1:/);
    expect(logs.stdout).toMatch(/\[events\] \{"event": ?"checkpoint"/);
    expect(logs.stdout).toMatch(/\[failed\] ppo: the trainer was killed by SIGKILL/);
    const fromA = Math.max(...(await registry(engine.store)).map((r) => r.step));
    expect(fromA).toBeGreaterThanOrEqual(12);

    // B: same inputs, resumes from A's newest checkpoint; cancelled mid-run.
    const b = await engine.start(plan, params, `ops-ppo-b-${randomUUID().slice(0, 8)}`);
    const resumedBeat = await waitForBeat(b, (x) => x.resumed !== undefined && (x.checkpointStep ?? 0) >= fromA + 4);
    expect(resumedBeat.resumed).toBe(`step ${fromA} of run ${a.workflowId}`);
    // status shows how far the step is and where it resumed from
    expect((await runRepairity(['status', b.workflowId, ...flags()])).stdout).toMatch(new RegExp(`\\(train\\.ppo \\d+/\\d+, resumed from step ${fromA} of run ${a.workflowId}\\)`));
    const cancelled = await runRepairity(['cancel', b.workflowId, '--wait', '120', ...flags()]);
    expect(cancelled.stdout).toContain(`${b.workflowId}: cancelled; stopped ppo (train.ppo)`);
    const fromB = (await registry(engine.store)).filter((r) => r.run.startsWith(`${b.workflowId}@`));
    const finalB = Math.max(...fromB.map((r) => r.step));
    expect(finalB).toBeGreaterThanOrEqual(resumedBeat.checkpointStep!);
    expect(await trainers()).toEqual([]);
    expect((await fs.readdir(workRoot)).filter((d) => d.startsWith('repairity-ppo-'))).toEqual([]);
    expect((await runRepairity(['logs', b.workflowId, '--step', 'ppo', '--store', engine.store.rootUri, ...flags()])).stdout).toContain(`ppo: resumed from step ${fromA} of run ${a.workflowId}`);

    // C: resumes from B's final checkpoint, ends bit-identical to the uninterrupted run.
    const c = await engine.start(plan, params, `ops-ppo-c-${randomUUID().slice(0, 8)}`);
    const done = (await c.result()) as RunSummary;
    expect(done.outputs.resumedFrom).toBe(finalB);
    expect(done.outputs.sha256).toBe((await uninterrupted).outputs.sha256);
    expect((await uninterrupted).outputs.resumedFrom).toBeNull();
  }, 900_000);
});
