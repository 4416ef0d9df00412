/** Params that make pipelines/repairity.yaml run on a CPU in minutes (tiny model, a slice of MBPP). */
export const TINY_PARAMS = {
  student: 'tiny',
  split: 'validation',
  limit: 24,
  subset_fraction: 0.5,
  sft_epochs: 1,
  sft_batch_size: 4,
  sft_grad_accum: 1,
  k: 3,
  reward_epochs: 1,
  ppo_iterations: 2,
  ppo_batch_size: 2,
  ppo_minibatch_size: 2,
  max_new_tokens: 24,
  max_length: 384,
  threads: 1,
} as const;
