/**
 * How the training activity supervises a group of ranks, with real torchrun from the trainer's
 * environment running a stand-in trainer (fixtures/fake-ranks) whose ranks die, hang or stop on
 * request: any failure fails the attempt with every process of the group gone, cancellation
 * reaches every rank and stores the final checkpoint. (The real trainer at world size 2 is run by
 * crash.test.ts.)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../core/errors.js';
import { groupOf, rootCause, torchrunArgs } from '../../kinds/training/group.js';
import { createTrainingRuntime, type TrainingHeartbeat } from '../../kinds/training/index.js';
import { isRunning } from '../../kinds/training/process-tree.js';
import { runStage } from '../../kinds/training/run-trainer.js';
import { LocalStore } from '../../store/local.js';
import { trainerPython } from '../../core/env.js';
import { makeContext } from './context.js';
import { processesUnder } from './worker-control.js';
import { readTrainingSettings } from '../../kinds/training/settings.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let root: string;
let store: LocalStore;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-group-'));
  store = new LocalStore(path.join(root, 'store'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Runs the stand-in trainer as 2 ranks doing `fake`; returns the step's promise and the pid folder. */
function runGroup(fake: string, ctx = makeContext(store), hangTimeoutMs = 60_000) {
  const pidDir = path.join(root, `pids-${fake}`);
  const rt = createTrainingRuntime({
    training: { ...readTrainingSettings({ ...process.env, REPAIRITY_PYTHON: trainerPython(process.env) }), trainerRoot: path.join(here, 'fixtures', 'fake-ranks'), workRoot: path.join(root, 'work'), hangTimeoutMs, stopGraceMs: 30_000, keepWarm: false },
  });
  const done = runStage(rt, ctx, { stage: 'sft', prepare: async () => ({ fake, pid_dir: pidDir, distributed: { nproc_per_node: 2 } }), collect: async (r) => r });
  return { done, pidDir, ctx };
}

/** Each rank's pid and its torchrun's, as the ranks wrote them. */
async function groupPids(pidDir: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const rank of [0, 1]) {
    const text = await fs.readFile(path.join(pidDir, `rank-${rank}`), 'utf8');
    for (const p of text.split(' ')) pids.add(Number(p));
  }
  return [...pids];
}

/** Whether a process runs now (a zombie has ended). */
async function running(pid: number): Promise<boolean> {
  const start = (await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ')[19];
  return start !== undefined && isRunning({ pid, start });
}

async function noneRunning(pids: number[]): Promise<void> {
  for (const pid of pids) expect(await running(pid), `process ${pid} still runs`).toBe(false);
}

async function until(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('config.distributed', () => {
  it('world size 1 keeps the single process; more ranks need integers, and an endpoint across nodes', () => {
    expect(groupOf({}, 's')).toBeUndefined();
    expect(groupOf({ distributed: { nproc_per_node: 1, nnodes: 1 } }, 's')).toBeUndefined();
    expect(groupOf({ distributed: { nproc_per_node: 2 } }, 's')).toEqual({ nprocPerNode: 2, nnodes: 1 });
    expect(() => groupOf({ distributed: { nproc_per_node: 'two' } }, 's')).toThrow(/step "s": config.distributed.nproc_per_node must be a positive integer/);
    expect(() => groupOf({ distributed: { nproc_per_node: 8, nnodes: 2 } }, 's')).toThrow(/rdzv_endpoint/);
    const multi = groupOf({ distributed: { nproc_per_node: 8, nnodes: 2, rdzv_endpoint: 'node0:29400' } }, 's')!;
    expect(torchrunArgs(multi, 'run/ppo')).toEqual(expect.arrayContaining(['--rdzv-endpoint', 'node0:29400', '--nnodes', '2', '--nproc-per-node', '8']));
    expect(torchrunArgs({ nprocPerNode: 2, nnodes: 1 }, 'k')).toContain('--standalone');
  });

  it("names the first failed rank from torchrun's report", () => {
    const report = ['Root Cause (first observed failure):', '[0]:', '  rank      : 1 (local_rank: 1)', '  exitcode  : -9 (pid: 4242)  (SIGKILL)'];
    expect(rootCause(report)).toBe(': rank 1 was killed by SIGKILL');
    expect(rootCause(report.map((l) => l.replace('-9 (pid: 4242)  (SIGKILL)', '1 (pid: 4242)')))).toBe(': rank 1 exited with code 1');
    expect(rootCause(['no report'])).toBe('');
  });
});

describe('a group of 2 ranks under torchrun', () => {
  it('finishes when every rank does', async () => {
    const { done, ctx } = runGroup('ok');
    const result = await done;
    expect(result.sha256).toBe('f'.repeat(64));
    expect((ctx.beats.at(-1) as TrainingHeartbeat).checkpointStep).toBe(1);
  }, 120_000);

  it('a rank that exits fails the attempt, retryably, with the checkpoint heartbeated and no process left', async () => {
    const { done, pidDir, ctx } = runGroup('rank_exits');
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/the trainer group \(2 ranks\) exited with code 1: rank 1 exited with code 1 .*a retry resumes from the checkpoint of step 1/);
    expect(ctx.beats.some((b) => (b as TrainingHeartbeat).checkpointStep === 1)).toBe(true);
    await noneRunning(await groupPids(pidDir));
  }, 120_000);

  it('a group that stops reporting is killed as hung, ranks deaf to SIGTERM included', async () => {
    // Counted from the launch: long enough for torchrun (which imports torch) to start the ranks here.
    const { done, pidDir } = runGroup('hang', makeContext(store), 30_000);
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/made no progress for 30s \(a rank hung\) and was stopped/);
    await noneRunning(await groupPids(pidDir));
    expect(await processesUnder(path.join(root, 'work'))).toEqual([]);
  }, 120_000);

  it('cancellation gives every rank SIGTERM, stores the final checkpoint, then ends', async () => {
    const { done, pidDir, ctx } = runGroup('stoppable');
    await until(async () => (await fs.readdir(pidDir).catch(() => [] as string[])).filter((n) => n.startsWith('rank-')).length === 2);
    ctx.controller.abort(new Error('cancelled by the test'));
    await expect(done).rejects.toThrow('cancelled by the test');
    expect((await fs.readdir(pidDir)).filter((n) => n.startsWith('sigterm-')).sort()).toEqual(['sigterm-0', 'sigterm-1']);
    expect((ctx.beats.at(-1) as TrainingHeartbeat).checkpointStep).toBe(7);
    await noneRunning(await groupPids(pidDir));
  }, 120_000);

  it('the worker SIGKILLed: torchrun passes SIGTERM to every rank and the group ends', async () => {
    const pidDir = path.join(root, 'pids-worker-killed');
    const work = path.join(root, 'work-worker-killed');
    await fs.mkdir(work, { recursive: true });
    const config = path.join(work, 'config.json');
    await fs.writeFile(config, JSON.stringify({ fake: 'stoppable', pid_dir: pidDir, output_dir: path.join(work, 'out'), checkpoint: { dir: path.join(work, 'ckpt') } }));
    const env = { ...process.env, REPAIRITY_PYTHON: trainerPython(process.env), CONFIG: config, WORK_DIR: work };
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'launch-group.ts')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      await until(async () => (await fs.readdir(pidDir).catch(() => [] as string[])).filter((n) => n.startsWith('rank-')).length === 2);
      const pids = await groupPids(pidDir);
      worker.kill('SIGKILL');
      await until(async () => (await fs.readdir(pidDir)).filter((n) => n.startsWith('sigterm-')).length === 2);
      await until(async () => (await Promise.all(pids.map(running))).every((r) => !r));
    } finally {
      worker.kill('SIGKILL');
    }
  }, 120_000);
});
