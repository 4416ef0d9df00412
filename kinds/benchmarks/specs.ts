/**
 * Specs of the benchmark step kinds: loaders that map benchmark rows to the sandbox's task
 * formats, and the glue that joins model answers with their tasks. Imports nothing heavy.
 */
import { defineSpec, type StepSpec } from '../../engine/kind.js';

const uri = (description: string) => ({ type: 'string', minLength: 1, description }) as const;
const count = { type: 'integer', minimum: 0 } as const;
const datasetOut = <const E extends Record<string, unknown> = {}>(extra: E = {} as E) => ({
  type: 'object',
  properties: { dataset: uri('URI of a JSONL dataset'), count, ...extra },
  required: ['dataset', 'count', ...(Object.keys(extra) as (keyof E & string)[])],
  additionalProperties: false,
}) as const;

export const loadSpec = defineSpec({
  name: 'benchmarks.load',
  description:
    'Loads a benchmark (mbpp, humaneval, bigcodebench, swebench, defects4j: Defects4J-style) as task records: the sandbox task fields (python-asserts, pytest, swebench, java-junit) ' +
    'plus id, category, statement, buggy, reference and prompt. mode repair on a generation benchmark makes a seeded single-point mutant of the reference the program to repair.',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: {
      benchmark: { enum: ['mbpp', 'humaneval', 'bigcodebench', 'swebench', 'defects4j'] },
      path: { type: 'string', minLength: 1, description: 'JSONL file (relative to the worker data root) or store URI' },
      split: {
        enum: ['all', 'prompt', 'train', 'validation', 'test', 'complete', 'instruct'],
        description: 'MBPP: standard split by task_id (default all). BigCodeBench: complete or instruct, the prompt the model sees (default instruct)',
      },
      mode: { enum: ['repair', 'generate'], default: 'repair' },
      limit: { type: 'integer', minimum: 1 },
      seed: { type: 'integer', minimum: 0, default: 0 },
      exclude: { type: 'string', description: 'URI of a JSONL dataset whose `id`s are left out (tasks seen before); empty: none' },
      retrieval: { enum: ['oracle', 'bm25'], default: 'oracle', description: 'swebench: the code the prompt shows (oracle: the files the gold patch edits; bm25: ranked against the issue)' },
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

export const lastGoodSpec = defineSpec({
  name: 'benchmarks.last_good',
  description: 'Nightly retraining: reads models/<name>/last-good.json (the last good model and the tasks used so far); a first run gets initialModel and no seen tasks.',
  queue: 'cpu',
  version: '1',
  input: { type: 'object', properties: { name: { type: 'string', minLength: 1 }, initialModel: { type: 'string', minLength: 1 } }, required: ['name', 'initialModel'], additionalProperties: false },
  output: {
    type: 'object',
    properties: { model: { type: 'string' }, passAt1: { type: ['number', 'null'] }, seen: { type: 'string', description: "URI of the dataset of task ids used so far ('' when none)" }, promotions: count, first: { type: 'boolean' } },
    required: ['model', 'passAt1', 'seen', 'promotions', 'first'],
    additionalProperties: false,
  },
});

export const promoteSpec = defineSpec({
  name: 'benchmarks.promote',
  description: 'Nightly retraining: adds the run\'s tasks to the seen set and moves models/<name>/last-good.json to the new model when its pass@1 is at least the starting model\'s.',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      model: uri('the run\'s final model'),
      passAt1: { type: ['number', 'null'] },
      startPassAt1: { type: ['number', 'null'], description: 'pass@1 of the model the run started from, on the same test split' },
      tasks: uri('the tasks this run used (their ids join the seen set)'),
    },
    required: ['name', 'model', 'passAt1', 'startPassAt1', 'tasks'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: { promoted: { type: 'boolean' }, model: { type: 'string' }, seen: { type: 'string' }, seenTasks: count, newTasks: count, pointer: { type: 'string' } },
    required: ['promoted', 'model', 'seen', 'seenTasks', 'newTasks', 'pointer'],
    additionalProperties: false,
  },
});

export const exportSpec = defineSpec({
  name: 'benchmarks.export',
  description:
    'Writes answers in the official harnesses\' formats: swebench-predictions (instance_id, model_name_or_path, model_patch) or samples (EvalPlus / BigCodeBench samples.jsonl: task_id, solution).',
  queue: 'cpu',
  version: '1',
  input: {
    type: 'object',
    properties: {
      dataset: uri('rows with answers (benchmarks.attach)'),
      format: { enum: ['swebench-predictions', 'samples'] },
      model: { type: 'string', minLength: 1, description: 'model_name_or_path of SWE-bench predictions (default repairity)' },
      field: { type: 'string', minLength: 1, default: 'fix', description: 'row field holding the answer' },
    },
    required: ['dataset', 'format'],
    additionalProperties: false,
  },
  output: datasetOut(),
});

export const benchmarksSpecs = [loadSpec, attachSpec, selectSpec, judgeItemsSpec, preferencesSpec, lastGoodSpec, promoteSpec, exportSpec] as const satisfies readonly StepSpec[];
