/** Step kinds for compiler tests: small, with typed inputs and outputs. */
import type { StepCatalog } from '../../kinds/catalog.js';
import { defineSpec } from '../../engine/kind.js';
import type { StepSpec } from '../../engine/kind.js';

export const testSpecs: StepSpec[] = [
  defineSpec({
    name: 'test.load',
    description: 'Loads a JSONL file.',
    queue: 'cpu',
    version: '1',
    input: {
      type: 'object',
      properties: { path: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1 } },
      required: ['path'],
      additionalProperties: false,
    },
    output: {
      type: 'object',
      properties: {
        dataset: { type: 'string' },
        count: { type: 'integer' },
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, size: { type: 'integer' } } } },
      },
      required: ['dataset', 'count'],
      additionalProperties: false,
    },
  }),
  defineSpec({
    name: 'test.sample',
    description: 'Takes a seeded sample.',
    queue: 'cpu',
    version: '2',
    timeout: '1h',
    input: {
      type: 'object',
      properties: {
        dataset: { type: 'string' },
        fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        seed: { type: 'integer' },
        mode: { enum: ['balanced', 'random'] },
      },
      required: ['dataset', 'fraction'],
      additionalProperties: false,
    },
    output: { type: 'object', properties: { dataset: { type: 'string' }, count: { type: 'integer' } }, additionalProperties: false },
  }),
  defineSpec({
    name: 'test.take',
    description: 'Takes a fraction or a count of the records.',
    queue: 'cpu',
    version: '1',
    input: {
      type: 'object',
      properties: { dataset: { type: 'string' }, fraction: { type: 'number' }, count: { type: 'integer' } },
      required: ['dataset'],
      additionalProperties: false,
      oneOf: [{ required: ['fraction'] }, { required: ['count'] }],
    },
    output: { type: 'object', properties: { dataset: { type: 'string' } }, additionalProperties: false },
  }),
  defineSpec({
    name: 'test.echo',
    description: 'Returns its text.',
    queue: 'claude',
    version: '1',
    input: { type: 'object', properties: { text: { type: 'string' }, flag: { type: 'boolean' } }, additionalProperties: false },
    output: { type: 'object', properties: { text: { type: 'string' }, length: { type: 'integer' } }, additionalProperties: false },
  }),
  defineSpec({
    name: 'test.train',
    description: 'Trains on a GPU.',
    queue: 'gpu',
    version: '3',
    timeout: '24h',
    heartbeatTimeout: '2m',
    input: { type: 'object', properties: { dataset: { type: 'string' }, epochs: { type: 'integer' } }, required: ['dataset'] },
    output: { type: 'object', properties: { checkpoint: { type: 'string' } }, additionalProperties: false },
  }),
];

/** Only the test kinds (not the built-in families), so that messages listing kinds are stable. */
export const testCatalog: StepCatalog = new Map(testSpecs.map((s) => [s.name, s]));
