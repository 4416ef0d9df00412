/** `train.ppo`: PPO against a reward model (see trainer/ppo.py). */
import path from 'node:path';
import type { StepImpl } from '../../engine/kind.js';
import { fetchFile, fetchModel } from './inputs.js';
import { num, trainedOutput } from './outputs.js';
import { runStage, type TrainerRuntime } from './run-trainer.js';
import type { TrainedOutput } from './sft.js';

export interface PpoInput {
  policy?: string;
  rewardModel?: string;
  toyReward?: string;
  prompts: string;
  promptField?: string;
  seed?: number;
  config?: Record<string, unknown>;
}

export function createPpoStep(rt: TrainerRuntime): StepImpl<PpoInput, TrainedOutput & { meanReward: number | null; kl: number | null }> {
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
