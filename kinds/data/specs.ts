import { defineSpec, type StepSpec } from '../../engine/kind.js';

const dataset = { type: 'string', description: 'URI of a JSONL dataset artifact' } as const;
const datasetOutput = {
  type: 'object',
  properties: { dataset, count: { type: 'integer', minimum: 0 } },
  required: ['dataset', 'count'],
  additionalProperties: false,
} as const;
// `x-record-expression`: the compiler parses these at compile time (the worker evaluates them per record).
const expression = { type: 'string', minLength: 1, 'x-record-expression': true, description: 'an expression (without ${{ }}) evaluated per record, with `item` (the record) and `index`' } as const;

export const dataSpecs = [
  defineSpec({
    name: 'data.load_jsonl',
    description: 'Copies a JSONL file (a path on the worker, relative to its data root, or a store URI) into the store as a dataset.',
    queue: 'cpu',
    version: '1',
    input: {
      type: 'object',
      properties: { path: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1 } },
      required: ['path'],
      additionalProperties: false,
    },
    output: datasetOutput,
  }),
  defineSpec({
    name: 'data.filter',
    description: 'Keeps the records for which `where` is truthy.',
    queue: 'cpu',
    version: '1',
    input: { type: 'object', properties: { dataset, where: expression }, required: ['dataset', 'where'], additionalProperties: false },
    output: datasetOutput,
  }),
  defineSpec({
    name: 'data.sample',
    description: 'A seeded sample of a fraction (or a count) of the records, optionally balanced across groups.',
    queue: 'cpu',
    version: '1',
    input: {
      type: 'object',
      properties: {
        dataset,
        fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        count: { type: 'integer', minimum: 0 },
        seed: { type: 'integer', default: 0 },
        balanceBy: expression,
      },
      required: ['dataset'],
      additionalProperties: false,
      oneOf: [{ required: ['fraction'] }, { required: ['count'] }],
    },
    output: datasetOutput,
  }),
  defineSpec({
    name: 'data.split',
    description: 'A seeded split into named parts by fractions (e.g. train 0.7, val 0.15, test 0.15).',
    queue: 'cpu',
    version: '1',
    input: {
      type: 'object',
      properties: {
        dataset,
        fractions: { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 }, minProperties: 1 },
        seed: { type: 'integer', default: 0 },
      },
      required: ['dataset', 'fractions'],
      additionalProperties: false,
    },
    output: {
      type: 'object',
      properties: {
        splits: { type: 'object', additionalProperties: dataset },
        counts: { type: 'object', additionalProperties: { type: 'integer' } },
      },
      required: ['splits', 'counts'],
      additionalProperties: false,
    },
  }),
  defineSpec({
    name: 'data.map',
    description: 'Builds new records from expressions over each record; `merge: true` keeps the record\'s own fields too.',
    queue: 'cpu',
    version: '1',
    input: {
      type: 'object',
      properties: { dataset, fields: { type: 'object', additionalProperties: expression, minProperties: 1 }, merge: { type: 'boolean', default: false } },
      required: ['dataset', 'fields'],
      additionalProperties: false,
    },
    output: datasetOutput,
  }),
  defineSpec({
    name: 'data.zip',
    description: 'Joins datasets record by record (by position) into records with one field per dataset.',
    queue: 'cpu',
    version: '1',
    input: {
      type: 'object',
      properties: { datasets: { type: 'object', additionalProperties: dataset, minProperties: 1 } },
      required: ['datasets'],
      additionalProperties: false,
    },
    output: datasetOutput,
  }),
] as const satisfies readonly StepSpec[];
