/** `train.sft`: supervised fine-tuning with LoRA (see trainer/sft.py). */
import path from 'node:path';
import { fetchFile, fetchModel } from './inputs.js';
import { trainedOutput } from './outputs.js';
import { runStage, type TrainerRuntime } from './run-trainer.js';
import type { InputOf, KindImpl } from '../define.js';
import type { sftSpec } from './specs.js';

export type SftInput = InputOf<typeof sftSpec>;

export interface TrainedOutput {
  model: string;
  sha256: string;
  steps: number;
  resumedFrom: number | null;
  metrics: Record<string, number>;
  /** URI of the JSONL of every metrics event. */
  history: string;
}

export function createSftStep(rt: TrainerRuntime): KindImpl<typeof sftSpec> {
  return (input, ctx) =>
    runStage(rt, ctx, {
      stage: 'sft',
      identity: input,
      prepare: async (work) => ({
        ...input.config,
        model: await fetchModel(ctx.store, input.model ?? 'tiny', path.join(work, 'inputs', 'model')),
        data: await fetchFile(ctx.store, input.dataset, path.join(work, 'inputs', 'train.jsonl')),
        target: input.target ?? 'trace_fix',
        seed: input.seed ?? 0,
        ...(input.fields?.prompt ? { prompt_field: input.fields.prompt } : {}),
        ...(input.fields?.trace ? { trace_field: input.fields.trace } : {}),
        ...(input.fields?.fix ? { fix_field: input.fields.fix } : {}),
      }),
      collect: (r) => trainedOutput(ctx, r),
    });
}
