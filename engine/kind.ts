/**
 * The contract between the compiler, the interpreter and step implementations.
 *
 * A *step kind* (the `uses:` of a pipeline step) has a spec, which the compiler reads to check
 * wiring before anything runs (its `uses:` name, the JSON Schemas of its input and outputs, its
 * queue and timeouts: pure data), and an implementation, which only workers load. Both live in
 * `kinds/<family>/`: specs in `specs.ts`, importing nothing heavy; implementations beside them.
 */
import type { JSONSchemaType } from 'ajv';
import type { Usage } from './usage.js';
import type { ArtifactStore } from '../store/types.js';

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

/** Keeps the spec's literal types, so that kinds/define.ts can derive TypeScript types from its schemas. */
export function defineSpec<const S extends StepSpec>(spec: S): S {
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

export interface StepLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What a kind's call gets besides its input. Each call has its own, which the kind may change (a
 * wrapper that replaces `heartbeat` assigns it); it must not copy it with a spread, as `signal`
 * and `log` are made on first use (getters) and a copy would lack them.
 */
export interface StepContext {
  runId: string;
  stepId: string;
  /** Index of the item in a `forEach` step; undefined otherwise. */
  itemIndex?: number;
  /** Deterministic key of this invocation (run, step, item): use it for idempotent side effects. */
  idempotencyKey: string;
  /** 1 on the first attempt. */
  attempt: number;
  store: ArtifactStore;
  /** Records progress; details survive a worker crash and come back as `lastHeartbeat` on retry. */
  heartbeat(details?: unknown): void;
  lastHeartbeat<T = unknown>(): T | undefined;
  /** Aborted when the activity is cancelled or times out; a forEach item's also when the item is over or over its time. */
  readonly signal: AbortSignal;
  log: StepLogger;
  /**
   * Adds a line to the step's log artifact only (not the worker's log): a trainer's stderr, a
   * sandbox's output, a Claude request id. `stream` names where it came from. Absent outside a run.
   */
  record?(stream: string, text: string): void;
  /** Adds tokens and dollars to the step's running totals (shown in progress, checked against budgets). */
  reportUsage(usage: Partial<Usage>): void;
  /** Dollars this step may still spend, if a budget applies. */
  budgetRemainingUsd?: number;
  /** Whether this step allows memoisation (`cache:` in the pipeline, default true for paid calls). */
  cache: boolean;
  /**
   * Hands over work that must finish before this call's result counts (writing a memo), but that
   * need not hold the step's concurrency slot: the runtime awaits it before recording the item,
   * and a failure fails the item like a thrown error. The runtime starts it when it likes (a few
   * such jobs at a time, so that they do not hold up the reads of the next items). Absent outside
   * forEach items: run it and await it.
   */
  afterward?(work: () => Promise<unknown>): void;
}

export interface StepImpl<I = any, O = any> {
  (input: I, ctx: StepContext): Promise<O>;
  /**
   * A hash of code outside this program that the kind runs (the trainer's sources), computed at
   * each call: part of the step cache key, so that new code never gets an old result.
   */
  codeHash?: () => Promise<string>;
}

export interface StepKind<I = any, O = any> {
  spec: StepSpec;
  run: StepImpl<I, O>;
}
