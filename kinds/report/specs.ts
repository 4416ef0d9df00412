/**
 * Spec of the report step kind. Loaded by the compiler: imports nothing heavy.
 */
import { defineSpec, type StepSpec } from '../../engine/kind.js';
import { metricsSchema } from '../eval/specs.js';

const trainingStage = {
  type: ['object', 'null'],
  description: 'A training step\'s outputs (train.sft/reward/ppo): `metrics` (last values), optional `history` (per-iteration metrics: a list, or the URI of a JSONL artifact)',
  properties: { metrics: { type: 'object' }, history: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }] } },
  additionalProperties: true,
} as const;

export const reportInputSchema = {
  type: 'object',
  properties: {
    title: { type: 'string', default: 'Repairity run' },
    pipeline: { type: 'string' },
    params: { type: 'object', description: 'The run\'s params, shown in the report' },
    models: { type: 'array', items: { anyOf: [metricsSchema, { type: 'null' }] }, description: 'eval.metrics outputs (metrics), one per model, in table order: the held-out split table (null: a skipped evaluation, left out)' },
    benchmark: {
      type: 'object',
      description: "The paper's protocol: the models (base first) and the teacher on the benchmark's own evaluation tasks, with the gap to the teacher (Eq. 2)",
      properties: {
        label: { type: 'string', description: 'Which tasks, e.g. "mbpp, test split"' },
        models: { type: 'array', items: { anyOf: [metricsSchema, { type: 'null' }] } },
        teacher: { anyOf: [metricsSchema, { type: 'null' }] },
      },
      required: ['label', 'models'],
      additionalProperties: false,
    },
    comparisons: {
      type: 'array',
      items: { type: ['object', 'null'], additionalProperties: true },
      description: 'eval.compare outputs',
    },
    ablations: { type: 'array', items: { type: ['object', 'null'], additionalProperties: true }, description: 'Ablation variants: {variant, metrics} (eval.metrics of each variant\'s model)' },
    training: {
      type: 'object',
      properties: { sft: trainingStage, reward: trainingStage, ppo: trainingStage },
      additionalProperties: trainingStage,
    },
    data: { type: 'object', additionalProperties: { type: ['number', 'integer', 'null'] }, description: 'Counts along the data funnel (tasks, verified, subset, train, ...), in order' },
  },
  required: ['models'],
  additionalProperties: false,
} as const;

export const buildSpec = defineSpec({
  name: 'report.build',
  description:
    'Writes the run\'s report: Markdown and a self-contained HTML page (inline SVG charts, no external resources) with the results on the benchmark\'s own tasks (models, teacher, gap to the teacher), the results table on the held-out split (model x metric), ' +
    'significance, the ablation table when variants ran, training curves (SFT loss, reward-model accuracy, PPO reward and KL) and pass rates per variant; ' +
    'also a JSON file of every number shown. Stored content-addressed and under reports/<run>/.',
  queue: 'cpu',
  version: '4',
  input: reportInputSchema,
  output: {
    type: 'object',
    properties: {
      html: { type: 'string', description: 'URI of report.html' },
      markdown: { type: 'string', description: 'URI of report.md' },
      json: { type: 'string', description: 'URI of report.json (the numbers shown)' },
      location: { type: 'string', description: 'URI of the reports/<run>/ folder (named entries, stable per run)' },
    },
    required: ['html', 'markdown', 'json', 'location'],
    additionalProperties: false,
  },
});

export const reportSpecs = [buildSpec] as const satisfies readonly StepSpec[];
