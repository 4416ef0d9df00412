/**
 * Params that make pipelines/repairity.yaml run on a CPU in minutes: sizes only (the tiny model, a
 * slice of MBPP, a few evaluation tasks of its test split); every other param is the paper's.
 * The reward model gets its own tiny base, as the paper's gets its own (CodeLlama-7b).
 */
export const TINY_PARAMS = {
  student: 'tiny',
  split: 'validation',
  limit: 24,
  eval_limit: 6,
  subset_fraction: 0.5,
  sft_epochs: 1,
  sft_batch_size: 4,
  sft_grad_accum: 1,
  k: 3,
  reward_base: 'tiny',
  reward_epochs: 1,
  ppo_iterations: 2,
  ppo_batch_size: 2,
  ppo_minibatch_size: 2,
  max_new_tokens: 24,
  max_length: 384,
  threads: 1,
} as const;
