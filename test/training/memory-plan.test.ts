/**
 * The memory plan before a launch, with the trainer's real `python -m trainer plan`: a stage
 * that fits is logged with its per-process estimate and launched; one that cannot fit (32B PPO on
 * one 80 GiB GPU) is refused for good, naming the step and the settings that would fit, and
 * nothing is launched; the tiny model is not planned.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainingRuntime } from '../../kinds/training/index.js';
import { MemoryPlanError } from '../../kinds/training/memory-plan.js';
import { runStage, type TrainerRuntime } from '../../kinds/training/run-trainer.js';
import { LocalStore } from '../../store/local.js';
import { trainerPython } from '../../core/env.js';
import { PermanentError } from '../../core/errors.js';
import { makeContext } from './context.js';
import { readTrainingSettings } from '../../kinds/training/settings.js';

let root: string;
let store: LocalStore;

class Launched extends Error {}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-plan-'));
  store = new LocalStore(path.join(root, 'store'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A runtime whose launcher only counts (and stops the step), and whose plans are counted too. */
function runtime(python = trainerPython(process.env)): { rt: TrainerRuntime; launches: () => number; plans: () => number } {
  let launches = 0;
  let plans = 0;
  const base = createTrainingRuntime({
    training: { ...readTrainingSettings({ ...process.env, REPAIRITY_PYTHON: python }), workRoot: path.join(root, 'work') },
    launcher: async () => {
      launches++;
      throw new Launched('launched');
    },
  });
  const rt: TrainerRuntime = {
    ...base,
    plan: (...args) => {
      plans++;
      return base.plan(...args);
    },
  };
  return { rt, launches: () => launches, plans: () => plans };
}

const ppo = (model: string) => ({ stage: 'ppo' as const, prepare: async () => ({ model, data: 'prompts.jsonl', precision: 'bf16', reward: { type: 'toy', rule: 'char_fraction:a' }, batch_size: 8, minibatch_size: 4, max_length: 1024 }), collect: async () => undefined });

describe('memory plan before launch', () => {
  it('refuses 32B PPO on one 80 GiB GPU, naming the step and a world size that fits; nothing is launched', async () => {
    const { rt, launches } = runtime();
    const ctx = makeContext(store);
    const err = await runStage(rt, ctx, ppo('Qwen/Qwen2.5-Coder-32B-Instruct')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryPlanError);
    expect((err as Error).message).toMatch(/^step "train": not launched: ppo of Qwen\/Qwen2.5-Coder-32B-Instruct needs about [\d.]+ GiB per process at world size 1 .*config.distributed nproc_per_node \d+ x nnodes \d+/s);
    expect(launches()).toBe(0);
  }, 600_000);

  it('logs the per-process estimate of a stage that fits, then launches', async () => {
    const { rt, launches } = runtime();
    const ctx = makeContext(store);
    await expect(runStage(rt, ctx, ppo('HuggingFaceTB/SmolLM2-135M-Instruct'))).rejects.toThrow(Launched);
    expect(ctx.logs.some((l) => /^info ppo: memory plan: ppo of HuggingFaceTB\/SmolLM2-135M-Instruct needs about [\d.]+ GiB per process at world size 1/.test(l))).toBe(true);
    expect(launches()).toBe(1);
  }, 600_000);

  it("says which module the trainer's Python lacks and how to get the venv, once (no retry can help)", async () => {
    const { rt, launches } = runtime('/usr/bin/python3'); // Debian's Python: no torch
    const err = await runStage(rt, makeContext(store), ppo('HuggingFaceTB/SmolLM2-135M-Instruct')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/^step "train": the trainer's Python has no module "torch": `make bootstrap` builds the trainer's venv, and REPAIRITY_PYTHON/);
    expect((err as Error).message).not.toMatch(/Traceback|File "/);
    expect(launches()).toBe(0);
  }, 60_000);

  it('names the missing module as well when the trainer itself cannot start (the tiny model has no plan)', async () => {
    const rt = createTrainingRuntime({ training: { ...readTrainingSettings({ ...process.env, REPAIRITY_PYTHON: '/usr/bin/python3' }), workRoot: path.join(root, 'work') } });
    const err = await runStage(rt, makeContext(store), ppo('tiny')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/^step "train": the trainer's Python has no module "torch": `make bootstrap`/);
  }, 60_000);

  it('does not plan the tiny model', async () => {
    const { rt, launches, plans } = runtime();
    await expect(runStage(rt, makeContext(store), ppo('tiny'))).rejects.toThrow(Launched);
    expect(launches()).toBe(1);
    expect(plans()).toBe(0);
  });
});
