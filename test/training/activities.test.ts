/**
 * The training steps called directly with a real trainer process on the tiny model: checkpoints
 * are stored and heartbeated, a killed trainer is resumed from the last heartbeat with identical
 * final weights, cancellation stops the trainer with a final checkpoint.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../core/errors.js';
import { createTrainingSteps, type TrainingHeartbeat } from '../../kinds/training/index.js';
import { localLauncher, type TrainerLauncher, type TrainerProcess } from '../../kinds/training/process.js';
import { readTrainingSettings, repositoryRoot } from '../../kinds/training/settings.js';
import { getDirectory } from '../../store/directory.js';
import { LocalStore } from '../../store/local.js';
import { trainerPython } from '../../core/env.js';
import { makeContext } from './context.js';

const TINY = { hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 128, max_position_embeddings: 128 };
const LORA = { rank: 4, alpha: 16, dropout: 0.1, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
const SFT_CONFIG = { tiny: TINY, lora: LORA, threads: 1, batch_size: 4, grad_accum: 1, max_steps: 12, optim: { lr: 0.01 }, checkpoint: { interval: 3, keep: 2 } };

let root: string;
let store: LocalStore;
let dataset: string;
let prefs: string;
let prompts: string;

function jsonl(rows: object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

let shared: ReturnType<typeof createTrainingSteps> | undefined;

/** The steps; without a launcher, one shared runtime (its warm trainer process is reused). */
function steps(launcher?: TrainerLauncher) {
  if (!launcher && shared) return shared;
  const made = createTrainingSteps({
    training: { ...readTrainingSettings({ ...process.env, REPAIRITY_PYTHON: trainerPython(process.env) }), workRoot: path.join(root, 'work'), stopGraceMs: 60_000 },
    ...(launcher ? { launcher } : {}),
  });
  if (!launcher) shared = made;
  return made;
}

/** A local launcher that hands each started process to `seen`. */
function watchedLauncher(seen: (p: TrainerProcess) => void): TrainerLauncher {
  const base = localLauncher({ python: trainerPython(process.env), trainerRoot: repositoryRoot });
  return async (cmd) => {
    const p = await base(cmd);
    seen(p);
    return p;
  };
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-training-'));
  store = new LocalStore(path.join(root, 'store'));
  const words = Array.from({ length: 24 }, (_, i) => 'abcdef'.repeat(3).slice(i % 6, (i % 6) + 5));
  dataset = (await store.putContent(jsonl(words.map((w) => ({ prompt: `reverse ${w}:`, trace: 'backwards', fix: [...w].reverse().join('') }))))).uri;
  prefs = (await store.putContent(jsonl(Array.from({ length: 16 }, (_, i) => ({ prompt: `fix ${i}:`, chosen: 'abcdef', rejected: '123456' }))))).uri;
  prompts = (await store.putContent(jsonl(Array.from({ length: 4 }, (_, i) => ({ id: `t${i}`, prompt: `task ${i}:` }))))).uri;
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('training activities with a real trainer', { timeout: 400_000 }, () => {
  let reference: { model: string; sha256: string; steps: number };

  it('train.sft stores checkpoints, heartbeats them, and returns the model artifact', async () => {
    const ctx = makeContext(store);
    const out = await steps()['train.sft']!({ dataset, config: SFT_CONFIG }, ctx);
    reference = out;
    expect(out.steps).toBe(12);
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.resumedFrom).toBeNull();
    expect(typeof out.metrics.loss).toBe('number');
    const beats = ctx.beats as TrainingHeartbeat[];
    const stored = [...new Set(beats.filter((b) => b.checkpoint).map((b) => b.checkpointStep))];
    expect(stored).toEqual([3, 6, 9, 12]);
    const last = beats[beats.length - 1]!;
    const dest = path.join(root, 'restored-ckpt');
    await getDirectory(store, last.checkpoint!, dest);
    expect((await fs.readdir(dest)).sort()).toEqual(['meta.json', 'state.pt']);
    const model = path.join(root, 'restored-model');
    await getDirectory(store, out.model, model);
    expect(await fs.readdir(model)).toContain('repairity_model.json');
    expect(await fs.readdir(path.join(root, 'work'))).toEqual([]); // scratch folders removed
  });

  it('a trainer killed after a checkpoint is resumed by the retry from the heartbeat, with identical weights', async () => {
    let proc: TrainerProcess | undefined;
    let killed = false;
    const first = makeContext(store, {
      onHeartbeat: (d) => {
        const b = d as TrainingHeartbeat;
        if (b.checkpointStep === 6 && !killed) {
          killed = true;
          proc!.kill();
        }
      },
    });
    const err = await steps(watchedLauncher((p) => (proc = p)))['train.sft']!({ dataset, config: SFT_CONFIG }, first).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(String((err as Error).message)).toMatch(/killed by SIGKILL.*resumes from the checkpoint of step/s);
    const last = first.beats[first.beats.length - 1] as TrainingHeartbeat;
    expect(last.checkpointStep).toBeGreaterThanOrEqual(6);

    const retry = makeContext(store, { lastHeartbeat: last, attempt: 2 });
    const out = await steps()['train.sft']!({ dataset, config: SFT_CONFIG }, retry);
    expect(out.resumedFrom).toBe(last.checkpointStep);
    expect(out.sha256).toBe(reference.sha256);
  });

  it('cancellation stops the trainer with a final checkpoint, rethrows, and the retry ends identical', async () => {
    const ctx = makeContext(store, {
      onHeartbeat: (d) => {
        if ((d as TrainingHeartbeat).step === 4 && !ctx.signal.aborted) ctx.controller.abort(new Error('cancelled by test'));
      },
    });
    const err = await steps()['train.sft']!({ dataset, config: SFT_CONFIG }, ctx).catch((e: unknown) => e);
    expect((err as Error).message).toBe('cancelled by test');
    const last = ctx.beats[ctx.beats.length - 1] as TrainingHeartbeat;
    expect(last.checkpoint).toBeDefined();
    expect(last.checkpointStep).toBeGreaterThanOrEqual(4); // the final checkpoint, not only the periodic one at 3
    expect(last.checkpointStep).toBeLessThan(12);
    const out = await steps()['train.sft']!({ dataset, config: SFT_CONFIG }, makeContext(store, { lastHeartbeat: last, attempt: 2 }));
    expect(out.sha256).toBe(reference.sha256);
  });

  it('reward, PPO and generate chain through model artifacts', async () => {
    const s = steps();
    const rm = await s['train.reward']!({ model: reference.model, dataset: prefs, config: { threads: 1, max_steps: 4, batch_size: 4, eval_fraction: 0.25, checkpoint: { interval: 0 } } }, makeContext(store));
    expect(rm.evalAccuracy).not.toBeNull();
    const ppo = await s['train.ppo']!(
      { policy: reference.model, rewardModel: rm.model, prompts, config: { threads: 1, iterations: 2, batch_size: 4, minibatch_size: 2, ppo_epochs: 1, max_new_tokens: 6, checkpoint: { interval: 1 } } },
      makeContext(store),
    );
    expect(ppo.steps).toBe(2);
    expect(typeof ppo.meanReward).toBe('number');
    expect(typeof ppo.kl).toBe('number');
    const gen = await s['model.generate']!({ model: ppo.model, prompts, k: 2, maxNewTokens: 6, config: { threads: 1 } }, makeContext(store));
    expect(gen.count).toBe(8);
    const rows = (await store.read(gen.samples)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; temperature: number });
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((r) => r.temperature))).toEqual(new Set([0.7, 0.9]));
  });

  it('bad data is a permanent error that names the field', async () => {
    const bad = (await store.putContent(jsonl([{ question: 'x' }]))).uri;
    const err = await steps()['train.sft']!({ dataset: bad, config: SFT_CONFIG }, makeContext(store)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/prompt/);
  });
});
