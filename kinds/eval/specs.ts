/**
 * Specs of the evaluation step kinds. Loaded by the compiler: imports nothing heavy.
 * Inputs are datasets by URI (JSONL in the store); outputs are small metric objects plus a
 * per-task JSONL artifact (what significance tests and reports read).
 */
import { defineSpec, type StepSpec } from '../../engine/kind.js';

const uri = (description: string) => ({ type: 'string', minLength: 1, description }) as const;
const num = { type: 'number' } as const;
const nullableNum = { type: ['number', 'null'] } as const;

export const metricsSchema = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    tasks: { type: 'integer', minimum: 0 },
    samples: { type: 'integer', minimum: 0 },
    passAt1: nullableNum,
    passAtK: { type: 'object', additionalProperties: num, description: 'pass@k by k (unbiased estimator), for each k <= samples per task' },
    accuracy: num,
    compilationRate: num,
    bleu: num,
    resolvedRate: num,
  },
  required: ['model', 'tasks', 'samples', 'passAt1', 'passAtK', 'accuracy', 'compilationRate', 'bleu', 'resolvedRate'],
  additionalProperties: false,
} as const;

export const metricsSpec = defineSpec({
  name: 'eval.metrics',
  description:
    'Scores candidates judged by sandbox.run: pass@1 and pass@k (unbiased estimator of Chen et al. 2021), accuracy (share of samples that pass), ' +
    'compilation rate (share not rejected as a syntax/compile/patch error), corpus BLEU against the reference fix (sacrebleu-compatible), ' +
    'resolved rate (share of tasks whose first sample passes every test). Writes per-task results for eval.compare.',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: {
      verdicts: uri('sandbox.run verdicts (JSONL, one per candidate, in candidate order)'),
      candidates: uri('The rows sandbox.run judged (JSONL): task id, candidate and reference fields'),
      model: { type: 'string', default: 'model', description: 'Label of the model in tables' },
      k: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [1], description: 'pass@k for these k (a k above the samples per task is left out)' },
      idField: { type: 'string', minLength: 1, default: 'id' },
      candidateField: { type: 'string', minLength: 1, default: 'fix' },
      referenceField: { type: 'string', minLength: 1, default: 'reference' },
      sampleField: { type: 'string', minLength: 1, default: 'sample_index', description: 'Which sample of its task a row is (the first one decides resolved)' },
    },
    required: ['verdicts', 'candidates'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      metrics: metricsSchema,
      perTask: uri('JSONL: {id, n, c, resolved, passAt1, compiled, bleu} per task, in first-seen order'),
      metricsUri: uri('The metrics object as a JSON artifact (for reports)'),
    },
    required: ['metrics', 'perTask', 'metricsUri'],
    additionalProperties: false,
  },
});

export const compareSpec = defineSpec({
  name: 'eval.compare',
  description:
    'Paired significance of two models on the same tasks: exact McNemar test on resolved/unresolved, and a paired bootstrap of the per-task pass@1 difference (seeded).',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: {
      a: uri('perTask output of eval.metrics for model A'),
      b: uri('perTask output of eval.metrics for model B'),
      labelA: { type: 'string', default: 'A' },
      labelB: { type: 'string', default: 'B' },
      resamples: { type: 'integer', minimum: 1, default: 2000 },
      seed: { type: 'integer', minimum: 0, default: 0 },
    },
    required: ['a', 'b'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      labelA: { type: 'string' },
      labelB: { type: 'string' },
      tasks: { type: 'integer', minimum: 0 },
      onlyA: { type: 'integer', minimum: 0, description: 'tasks only A resolves' },
      onlyB: { type: 'integer', minimum: 0, description: 'tasks only B resolves' },
      mcnemarP: num,
      delta: { ...num, description: 'mean pass@1 of B minus A' },
      bootstrapP: num,
      ci95: { type: 'array', items: num, minItems: 2, maxItems: 2 },
    },
    required: ['labelA', 'labelB', 'tasks', 'onlyA', 'onlyB', 'mcnemarP', 'delta', 'bootstrapP', 'ci95'],
    additionalProperties: false,
  },
});

export const evalSpecs = [metricsSpec, compareSpec] as const satisfies readonly StepSpec[];
