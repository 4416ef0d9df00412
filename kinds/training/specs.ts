/**
 * Specs of the training step kinds. Loaded by the compiler: imports nothing heavy.
 *
 * Models travel as URIs of directory artifacts (see store/directory.ts); `model` inputs also take
 * "tiny" (a small model built in code, for tests and the demo) or a base model name or path that
 * the GPU workers can load (e.g. Qwen/Qwen2.5-Coder-32B-Instruct in their local cache).
 * `config` passes trainer settings through unchanged (snake_case, see docs/training.md).
 */
import { defineSpec, type StepSpec } from '../../engine/kind.js';

const uri = (description: string) => ({ type: 'string', minLength: 1, description }) as const;
const model = { type: 'string', minLength: 1, default: 'tiny', description: '"tiny", a model directory artifact URI, or a base model name/path on the GPU worker' } as const;
const seed = { type: 'integer', minimum: 0, default: 0 } as const;
const config = { type: 'object', description: 'Trainer settings passed through (lora, optim, batch_size, epochs, precision, checkpoint, ...)', additionalProperties: true } as const;
const metrics = { type: 'object', additionalProperties: { type: 'number' }, description: 'The last metrics the trainer reported' } as const;
const fieldName = { type: 'string', minLength: 1 } as const;
const fields = <const N extends readonly string[]>(names: N) => ({
  type: 'object',
  description: 'Names of the record fields to read, when they differ from the defaults',
  properties: Object.fromEntries(names.map((n) => [n, fieldName])) as { [K in N[number]]: typeof fieldName },
  additionalProperties: false,
}) as const;

const trainedOutput = <const E extends Record<string, unknown>, const R extends readonly string[] = []>(extra: E, required: R = [] as unknown as R) => ({
  type: 'object',
  properties: {
    model: uri('URI of the trained model directory artifact'),
    sha256: { type: 'string', description: 'Hash of the trained weights (equal hashes = bit-identical weights)' },
    steps: { type: 'integer', minimum: 0 },
    resumedFrom: { type: ['integer', 'null'], description: 'Step of the checkpoint this attempt resumed from, if any' },
    metrics,
    history: uri('JSONL artifact: every metrics event of the training ({step, ...metrics}), in order'),
    ...extra,
  },
  required: ['model', 'sha256', 'steps', 'metrics', 'history', ...required],
  additionalProperties: false,
}) as const;

export const sftSpec = defineSpec({
  name: 'train.sft',
  description:
    'Supervised fine-tuning with LoRA on reasoning trace + fix (or the fix alone) given the task input. Checkpoints go to the artifact store and are heartbeated; a retry resumes exactly from the last one.',
  input: {
    type: 'object',
    properties: {
      model,
      dataset: uri('JSONL with prompt, trace and fix fields'),
      target: { enum: ['trace_fix', 'fix'], default: 'trace_fix' },
      fields: fields(['prompt', 'trace', 'fix']),
      seed,
      config,
    },
    required: ['dataset'],
    additionalProperties: false,
  },
  output: trainedOutput({}),
  queue: 'gpu',
  version: '2',
  timeout: '72h',
  heartbeatTimeout: '2m',
});

export const rewardSpec = defineSpec({
  name: 'train.reward',
  description: 'Bradley-Terry reward model (scalar head on a causal LM, LoRA) on preference pairs; reports held-out preference accuracy.',
  input: {
    type: 'object',
    properties: {
      model,
      dataset: uri('JSONL with prompt, chosen and rejected fields'),
      evalDataset: uri('Held-out pairs; default: a seeded share of dataset (config.eval_fraction)'),
      fields: fields(['prompt', 'chosen', 'rejected']),
      seed,
      config,
    },
    required: ['dataset'],
    additionalProperties: false,
  },
  output: trainedOutput({ evalAccuracy: { type: ['number', 'null'] } }, ['evalAccuracy']),
  queue: 'gpu',
  version: '2',
  timeout: '72h',
  heartbeatTimeout: '2m',
});

export const ppoSpec = defineSpec({
  name: 'train.ppo',
  description:
    'PPO on the SFT policy (new LoRA, frozen reference, value head) against a reward model: clipped surrogate, per-token KL penalty, GAE, several epochs per batch. Checkpoints on iteration boundaries; a retry resumes exactly.',
  input: {
    type: 'object',
    properties: {
      policy: model,
      rewardModel: uri('Reward model directory artifact URI (from train.reward)'),
      toyReward: { type: 'string', description: 'A built-in rule instead of a reward model, e.g. char_fraction:a (tests, demos)' },
      prompts: uri('JSONL with a prompt field'),
      promptField: { type: 'string', minLength: 1, default: 'prompt' },
      seed,
      config,
    },
    required: ['prompts'],
    oneOf: [{ required: ['rewardModel'] }, { required: ['toyReward'] }],
    additionalProperties: false,
  },
  output: trainedOutput({ meanReward: { type: ['number', 'null'] }, kl: { type: ['number', 'null'] } }, ['meanReward', 'kl']),
  queue: 'gpu',
  version: '2',
  timeout: '72h',
  heartbeatTimeout: '2m',
});

export const generateSpec = defineSpec({
  name: 'model.generate',
  description: 'Samples k completions per prompt with temperatures spread over [temperatureMin, temperatureMax] (seeded).',
  input: {
    type: 'object',
    properties: {
      model,
      prompts: uri('JSONL with a prompt field (and an id field, kept in the output)'),
      promptField: { type: 'string', minLength: 1, default: 'prompt' },
      idField: { type: 'string', minLength: 1, default: 'id' },
      k: { type: 'integer', minimum: 1, default: 3 },
      temperatureMin: { type: 'number', exclusiveMinimum: 0, default: 0.7 },
      temperatureMax: { type: 'number', exclusiveMinimum: 0, default: 0.9 },
      maxNewTokens: { type: 'integer', minimum: 1, default: 512 },
      seed,
      config,
    },
    required: ['prompts'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      samples: uri('JSONL: id, prompt_index, prompt, sample_index, temperature, completion'),
      count: { type: 'integer', minimum: 0 },
      sha256: { type: 'string' },
    },
    required: ['samples', 'count', 'sha256'],
    additionalProperties: false,
  },
  queue: 'gpu',
  version: '1',
  timeout: '24h',
  heartbeatTimeout: '2m',
});

export const trainingSpecs = [sftSpec, rewardSpec, ppoSpec, generateSpec] as const satisfies readonly StepSpec[];
