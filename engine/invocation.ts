/**
 * What the interpreter workflow sends to step activities and gets back. Types only: the
 * workflow imports this file, so it must stay free of runtime imports.
 */
import type { Plan, Template } from './plan.js';
import type { Usage } from './usage.js';

/** The outputs of finished steps that a step's expressions may read, and the run's params. */
export interface StepScope {
  params: Record<string, unknown>;
  steps: Record<string, { outputs: Record<string, unknown> }>;
}

export interface RunIdentity {
  /** Workflow id of the top-level run: stable across retries, continue-as-new and children. */
  runId: string;
  /** The plan's hash, recorded with results. */
  planHash: string;
}

/** Everything an activity needs to run one step (or any item of it), except the item itself. */
export interface StepRuntime {
  stepId: string;
  uses: string;
  kindVersion: string;
  with: Record<string, Template>;
  cache: boolean;
  maximumAttempts: number;
  /** Run it again (`repairity rerun --force/--from`): its step-cache entry is not read, only rewritten. */
  refresh?: boolean;
}

export interface SingleInvocation {
  mode: 'single';
  run: RunIdentity;
  step: StepRuntime;
  scope: StepScope;
  budgetRemainingUsd?: number;
}

/** One item of a `forEach` step; the step context and the items live in the store. */
export interface ItemInvocation {
  mode: 'item';
  /** Store key of the `ForEachContext` written by `expandForEach`. */
  context: string;
  shard: string;
  index: number;
  budgetRemainingUsd?: number;
}

/**
 * A range of a forEach step's items run by one activity, `concurrency` at a time: one Temporal
 * activity per chunk instead of per item, so a fan-out is not bound by the server's activity
 * rate. Finished items are written to the store as they complete, so a retried chunk runs only
 * the items still owed; items that failed transiently make the chunk fail retryably.
 */
export interface ChunkInvocation {
  mode: 'chunk';
  /** Store key of the `ForEachContext` written by `expandForEach`. */
  context: string;
  /** The items to run: a range of one stored shard. */
  shard: ShardRef;
  /** First index of the shard workflow's unit: the chunk's records go in its records folder. */
  recordsStart: number;
  concurrency: number;
  /** Stop starting items after the first item that failed for good. */
  failFast: boolean;
  /** Each item's own time limit (the step's `timeout`). */
  itemTimeoutMs: number;
  /** The step's retry policy, applied per item across the chunk's attempts. */
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
  /** Dollars this chunk may spend, beyond what its unit's earlier chunks spent (`budgetSpentBeforeUsd`). */
  budgetRemainingUsd?: number;
  budgetSpentBeforeUsd?: number;
}

export type StepInvocation = SingleInvocation | ItemInvocation | ChunkInvocation;

/** What a chunk reports back; its item records are already in the store. */
export type ChunkResult = ShardResult;

/** The progress a chunk heartbeats; the CLI adds it to the shard's counts. */
export interface ChunkProgress {
  succeeded: number;
  failed: number;
  cached: number;
  inFlight: number;
  usage: Usage;
}

export interface StepResult {
  outputs: Record<string, unknown>;
  usage?: Usage;
  /** True when the result came from the step cache or from an earlier attempt of this run. */
  cached: boolean;
  /** Set for a chunk of forEach items (whose records are in the store, not in `outputs`). */
  chunk?: ChunkResult;
}

/** One record per forEach item; the step's results JSONL is made of these, in item order. */
export interface ItemRecord {
  index: number;
  status: 'succeeded' | 'failed';
  outputs?: Record<string, unknown>;
  error?: { type: string; message: string };
  cached?: boolean;
}

/** A batch of item records of one shard, written by the shard workflow. */
export interface RecordBatch {
  run: RunIdentity;
  stepId: string;
  shardStart: number;
  part: number;
  records: ItemRecord[];
}

export interface ForEachContext {
  run: RunIdentity;
  step: StepRuntime;
  scope: StepScope;
}

export interface ShardRef {
  key: string;
  start: number;
  count: number;
}

export interface ForEachExpansion {
  count: number;
  context: string;
  shards: ShardRef[];
  /** Set when the whole step's result was already in the step cache. */
  cachedOutputs?: Record<string, unknown>;
}

export interface ShardResult {
  succeeded: number;
  failed: number;
  cached: number;
  usage: Usage;
  /** The first few failures, for the step's error message. */
  failures: { index: number; message: string }[];
  budgetExhausted: boolean;
}

export interface ShardInput {
  run: RunIdentity;
  stepId: string;
  uses: string;
  context: string;
  shards: ShardRef[];
  concurrency: number;
  activity: ActivityPlanOptions;
  budgetRemainingUsd?: number;
}

/** Activity options as plain data, built from the plan and turned into Temporal options by the workflow. */
export interface ActivityPlanOptions {
  taskQueue: string;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs?: number;
  retry: {
    maximumAttempts: number;
    initialIntervalMs: number;
    backoffCoefficient: number;
    maximumIntervalMs: number;
    nonRetryableErrorTypes: string[];
  };
}


export interface PreparedRun {
  plan: Plan;
  params: Record<string, unknown>;
}
