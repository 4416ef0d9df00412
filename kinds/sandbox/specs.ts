import { defineSpec, type StepSpec } from '../../engine/kind.js';

const statusCounts = {
  type: 'object',
  description: 'verdicts per status: passed, failed, error, timeout, out_of_memory, crashed',
  additionalProperties: { type: 'integer', minimum: 0 },
} as const;

export const sandboxSpecs = [
  defineSpec({
    name: 'sandbox.run',
    description:
      'Runs candidate programs against their tests in isolated Docker containers (warm pool) and returns a verdict per task: ' +
      'passed, failed (which tests), error (syntax/compile/patch), timeout, out_of_memory, crashed. Give `tasks` (a JSONL dataset ' +
      'of python-asserts, pytest, java-junit or repo-patch rows, or raw MBPP/HumanEval rows) or one inline `task`.',
    queue: 'sandbox',
    version: '1',
    timeout: '2h',
    heartbeatTimeout: '2m',
    input: {
      type: 'object',
      properties: {
        tasks: { type: 'string', minLength: 1, description: 'URI of a JSONL dataset, one task per row' },
        task: { type: 'object', description: 'one task (a row as in `tasks`), e.g. the item of a forEach' },
        solutionField: { type: 'string', minLength: 1, description: 'row field holding the candidate (default per format; MBPP: code)' },
        timeoutMs: { type: 'integer', minimum: 100, description: 'wall-clock limit per task (default 10000; java 60000; repo-patch 300000)' },
      },
      additionalProperties: false,
      oneOf: [{ required: ['tasks'] }, { required: ['task'] }],
    },
    output: {
      type: 'object',
      properties: {
        verdicts: { type: 'string', description: 'URI of a JSONL artifact: one verdict per task, in task order, with `row`' },
        passing: { type: 'string', description: 'URI of a JSONL dataset of the input rows whose verdict is passed' },
        count: { type: 'integer', minimum: 0 },
        passed: { type: 'integer', minimum: 0 },
        allPassed: { type: 'boolean' },
        counts: statusCounts,
        status: { type: 'string', description: 'the verdict of the single `task`, when one was given' },
      },
      required: ['verdicts', 'passing', 'count', 'passed', 'allPassed', 'counts'],
      additionalProperties: false,
    },
  }),
] as const satisfies readonly StepSpec[];
