/**
 * What a step kind promises, read by the compiler before anything runs: its `uses:` name, the JSON
 * Schemas of its input and outputs, its queue and timeouts. Pure data; implementations live with
 * the workers.
 */
import type { JSONSchemaType } from 'ajv';

export type JsonSchema = Record<string, unknown> | JSONSchemaType<unknown>;

export type TaskQueueName = 'cpu' | 'claude' | 'sandbox' | 'gpu';

export interface StepSpec {
  /** The `uses:` name, `family.name`. */
  name: string;
  description: string;
  /** JSON Schema of the `with:` object after expressions are resolved. */
  input: JsonSchema;
  /** JSON Schema of the outputs object; `steps.<id>.outputs.<name>` references are checked against it. */
  output: JsonSchema;
  /** The task queue the step runs on unless the pipeline says otherwise. */
  queue: TaskQueueName;
  /**
   * Bumped when the implementation changes what it returns for the same input; part of the cache
   * key (with the implementation's `codeHash`, when it runs code of its own such as the trainer).
   */
  version: string;
  /** Default timeouts and heartbeat, overridable per step. Durations as in the pipeline language ("10m"). */
  timeout?: string;
  heartbeatTimeout?: string;
  /**
   * The kind memoises its own work in the store, keyed by what it sends (and honours
   * `ctx.cache`), so the runtime's step cache would keep the same answer twice: it is skipped.
   */
  memoised?: boolean;
  /**
   * The kind pays for its work (reports `costUsd`) and honours `ctx.budgetRemainingUsd`: its steps
   * take shares of the run's and the step's budgets, and only they stop once a budget is spent.
   */
  spends?: boolean;
}

export function defineSpec<S extends StepSpec>(spec: S): S {
  return spec;
}

/**
 * Outputs of a `forEach` step, whatever its kind: the per-item outputs are stored as JSONL
 * (one `{ index, status, outputs?, error? }` record per item, in item order).
 */
export const forEachOutputSchema = {
  type: 'object',
  properties: {
    results: { type: 'string', description: 'URI of a JSONL artifact, one record per item, in order' },
    count: { type: 'integer' },
    succeeded: { type: 'integer' },
    failed: { type: 'integer' },
  },
  required: ['results', 'count', 'succeeded', 'failed'],
  additionalProperties: false,
} as const;
