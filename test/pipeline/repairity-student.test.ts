/**
 * pipelines/repairity.yaml with the pretrained student (`smollm2-135m`, installed by `make student`)
 * on a small slice of MBPP, on the same real components as the tiny-model test: every stage loads
 * the real model with its own tokenizer and chat template, and the report's numbers are checked
 * against the artifacts. Skipped where the student is not installed (`make test` does not need it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../kinds/eval/metrics.js';
import { ENV } from '../../core/env.js';
import { expectReportMatchesArtifacts, runRepairity } from './repairity-run.js';
import { usePipelineEngine } from './services.js';
import { loadSettings } from '../../worker/settings.js';

const models = process.env[ENV.REPAIRITY_MODELS] || path.join(loadSettings().defaults.cacheDir, 'models');
const installed = existsSync(path.join(models, 'smollm2-135m-instruct', 'config.json'));

/**
 * A few tasks of each split, two PPO iterations: minutes on a CPU. Answers as long as the demo's
 * (160 tokens): at 64 the student's code block is cut before it ends and nothing compiles.
 */
const STUDENT_SLICE = {
  student: 'smollm2-135m',
  // the reward model from the SFT policy (the paper profile's CodeLlama-7b cannot be loaded here)
  reward_base: 'policy',
  eval_limit: 6,
  split: 'validation',
  limit: 16,
  subset_fraction: 1,
  train_fraction: 0.4,
  val_fraction: 0.3,
  test_fraction: 0.3,
  sft_epochs: 1,
  sft_lr: 0.001,
  sft_batch_size: 4,
  sft_grad_accum: 1,
  k: 2,
  reward_epochs: 1,
  reward_eval_fraction: 0.5,
  ppo_iterations: 2,
  ppo_epochs: 1,
  ppo_batch_size: 2,
  ppo_minibatch_size: 2,
  max_new_tokens: 160,
  stop_after_code: true,
  // the SFT-only ablations train two more models; the demo leaves them out too
  ablations: false,
  max_length: 1024,
  threads: 1,
};

describe.skipIf(!installed)('pipelines/repairity.yaml with the pretrained student', () => {
  const services = usePipelineEngine();

  it('trains and evaluates smollm2-135m and reports the numbers of its artifacts', async () => {
    const { out } = await runRepairity(services.engine, STUDENT_SLICE, 'smollm2-135m');
    const report = await expectReportMatchesArtifacts(services.store, out);
    for (const row of report.table) console.log(`${String(row.model)}: pass@1 ${String(row.passAt1)}, compilation ${String(row.compilationRate)}, BLEU ${String(row.bleu)} on ${String(row.tasks)} tasks`);
    // a pretrained instruct model answers with Python that compiles (the random tiny model never does)
    expect((out.base as Metrics).compilationRate).toBeGreaterThan(0);
    // the reward model was measured on held-out pairs, and PPO logged each iteration
    expect(report.training.reward!.metrics.eval_pairs).toBeGreaterThan(0);
    expect(report.training.ppo!.history.filter((h) => typeof h.mean_reward === 'number')).toHaveLength(2);
  }, 3_600_000);
});
