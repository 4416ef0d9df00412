/** `train.reward`: Bradley-Terry reward model (see trainer/reward.py). */
import path from 'node:path';
import { fetchFile, fetchModel } from './inputs.js';
import { num, trainedOutput } from './outputs.js';
import { runStage, type TrainerRuntime } from './run-trainer.js';
import type { TrainedOutput } from './sft.js';
import type { InputOf, KindImpl } from '../define.js';
import type { rewardSpec } from './specs.js';

export type RewardInput = InputOf<typeof rewardSpec>;

export function createRewardStep(rt: TrainerRuntime): KindImpl<typeof rewardSpec> {
  return (input, ctx) =>
    runStage(rt, ctx, {
      stage: 'reward',
      identity: input,
      prepare: async (work) => ({
        ...input.config,
        model: await fetchModel(ctx.store, input.model ?? 'tiny', path.join(work, 'inputs', 'model')),
        data: await fetchFile(ctx.store, input.dataset, path.join(work, 'inputs', 'pairs.jsonl')),
        ...(input.evalDataset ? { eval_data: await fetchFile(ctx.store, input.evalDataset, path.join(work, 'inputs', 'eval.jsonl')) } : {}),
        seed: input.seed ?? 0,
        ...(input.fields?.prompt ? { prompt_field: input.fields.prompt } : {}),
        ...(input.fields?.chosen ? { chosen_field: input.fields.chosen } : {}),
        ...(input.fields?.rejected ? { rejected_field: input.fields.rejected } : {}),
      }),
      collect: async (r) => ({
        ...(await trainedOutput(ctx, r)),
        evalAccuracy: num(r.metrics, 'eval_accuracy'),
      }),
    });
}
