/**
 * Specs of the benchmark step kinds: loaders that map benchmark rows to the sandbox's task
 * formats, and the glue that joins model answers with their tasks. Imports nothing heavy.
 */
import { defineSpec, type StepSpec } from '../define.js';

const uri = (description: string) => ({ type: 'string', minLength: 1, description }) as const;
const count = { type: 'integer', minimum: 0 } as const;
const datasetOut = (extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties: { dataset: uri('URI of a JSONL dataset'), count, ...extra },
  required: ['dataset', 'count', ...Object.keys(extra)],
  additionalProperties: false,
});

export const loadSpec = defineSpec({
  name: 'benchmarks.load',
  description:
    'Loads a benchmark (mbpp, humaneval, bigcodebench, swebench, defects4j) as task records: the sandbox task fields (python-asserts, pytest, repo-patch, java-junit) ' +
    'plus id, category, statement, buggy, reference and prompt. mode repair on a generation benchmark makes a seeded single-point mutant of the reference the program to repair.',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: {
      benchmark: { enum: ['mbpp', 'humaneval', 'bigcodebench', 'swebench', 'defects4j'] },
      path: { type: 'string', minLength: 1, description: 'JSONL file (relative to the worker data root) or store URI' },
      split: { enum: ['all', 'prompt', 'train', 'validation', 'test'], description: 'MBPP standard split by task_id (default all)' },
      mode: { enum: ['repair', 'generate'], default: 'repair' },
      limit: { type: 'integer', minimum: 1 },
      seed: { type: 'integer', minimum: 0, default: 0 },
      exclude: { type: 'string', minLength: 1, description: 'URI of a JSONL dataset whose `id`s are left out (tasks seen before)' },
    },
    required: ['benchmark', 'path'],
    additionalProperties: false,
  },
  output: datasetOut({ excluded: count, unmutable: count }),
});

export const attachSpec = defineSpec({
  name: 'benchmarks.attach',
  description:
    'Joins answers with their tasks: claude.message forEach results (source claude: trace, fix, fix_md) or model.generate samples (source samples: completion, extracted fix, sample_index), giving rows sandbox.run judges with solutionField fix.',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: { tasks: uri('task records (benchmarks.load)'), answers: uri('forEach results or model.generate samples'), source: { enum: ['claude', 'samples'] } },
    required: ['tasks', 'answers', 'source'],
    additionalProperties: false,
  },
  output: datasetOut({ dropped: count }),
});

export const selectSpec = defineSpec({
  name: 'benchmarks.select',
  description: 'Keeps the rows whose sandbox verdict has `status` (default passed), or, with negate, does not.',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: { dataset: uri('rows sandbox.run judged'), verdicts: uri('its verdicts'), status: { type: 'string', default: 'passed' }, negate: { type: 'boolean', default: false } },
    required: ['dataset', 'verdicts'],
    additionalProperties: false,
  },
  output: datasetOut({ removed: count }),
});

export const judgeItemsSpec = defineSpec({
  name: 'benchmarks.judge_items',
  description: 'Groups the k attached samples of each task into one claude.judge item {id, task, original, candidates}; tasks with fewer than two distinct candidates are skipped.',
  queue: 'cpu',
  version: '1',
  input: { type: 'object', properties: { samples: uri('benchmarks.attach rows of model samples') }, required: ['samples'], additionalProperties: false },
  output: datasetOut({ skipped: count }),
});

export const preferencesSpec = defineSpec({
  name: 'benchmarks.preferences',
  description: 'Turns claude.judge forEach results over judge items into reward-model pairs {prompt, chosen, rejected}.',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: { items: uri('benchmarks.judge_items dataset'), judgements: uri('results of the claude.judge forEach over it') },
    required: ['items', 'judgements'],
    additionalProperties: false,
  },
  output: datasetOut({ failedJudgements: count }),
});

export const benchmarksSpecs: readonly StepSpec[] = [loadSpec, attachSpec, selectSpec, judgeItemsSpec, preferencesSpec];
