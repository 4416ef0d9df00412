/** `model.generate`: k samples per prompt over a temperature range (see trainer/generate.py). */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { fetchFile, fetchModel } from './inputs.js';
import { runStage, type TrainerRuntime } from './run-trainer.js';
import type { InputOf, KindImpl } from '../define.js';
import type { generateSpec } from './specs.js';

export type GenerateInput = InputOf<typeof generateSpec>;

export interface GenerateOutput {
  samples: string;
  count: number;
  sha256: string;
}

export function createGenerateStep(rt: TrainerRuntime): KindImpl<typeof generateSpec> {
  return (input, ctx) =>
    runStage(rt, ctx, {
      stage: 'generate',
      prepare: async (work) => ({
        ...input.config,
        model: await fetchModel(ctx.store, input.model ?? 'tiny', path.join(work, 'inputs', 'model')),
        data: await fetchFile(ctx.store, input.prompts, path.join(work, 'inputs', 'prompts.jsonl')),
        prompt_field: input.promptField ?? 'prompt',
        id_field: input.idField ?? 'id',
        k: input.k ?? 3,
        temperature_min: input.temperatureMin ?? 0.7,
        temperature_max: input.temperatureMax ?? 0.9,
        max_new_tokens: input.maxNewTokens ?? 512,
        seed: input.seed ?? 0,
      }),
      collect: async (r) => {
        const ref = await ctx.store.putContent(createReadStream(r.output), { mediaType: 'application/jsonl', run: ctx.runId, step: ctx.stepId });
        return { samples: ref.uri, count: r.steps, sha256: r.sha256 };
      },
    });
}
