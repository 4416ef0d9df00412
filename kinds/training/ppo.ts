/** `train.ppo`: PPO against a reward model (see trainer/ppo.py). */
import path from 'node:path';
import { fetchFile, fetchModel } from './inputs.js';
import { num, trainedOutput } from './outputs.js';
import { runStage, type TrainerRuntime } from './run-trainer.js';
import type { TrainedOutput } from './sft.js';
import type { InputOf, KindImpl } from '../define.js';
import type { ppoSpec } from './specs.js';

export type PpoInput = InputOf<typeof ppoSpec>;

export function createPpoStep(rt: TrainerRuntime): KindImpl<typeof ppoSpec> {
  return (input, ctx) =>
    runStage(rt, ctx, {
      stage: 'ppo',
      identity: input,
      prepare: async (work) => ({
        ...input.config,
        model: await fetchModel(ctx.store, input.policy ?? 'tiny', path.join(work, 'inputs', 'policy')),
        reward: input.rewardModel
          ? { type: 'model', path: await fetchModel(ctx.store, input.rewardModel, path.join(work, 'inputs', 'reward-model')) }
          : { type: 'toy', rule: input.toyReward },
        data: await fetchFile(ctx.store, input.prompts, path.join(work, 'inputs', 'prompts.jsonl')),
        prompt_field: input.promptField ?? 'prompt',
        seed: input.seed ?? 0,
      }),
      collect: async (r) => ({
        ...(await trainedOutput(ctx, r)),
        meanReward: num(r.metrics, 'mean_reward'),
        kl: num(r.metrics, 'kl'),
      }),
    });
}
