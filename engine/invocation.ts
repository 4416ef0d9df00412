/**
 * What the interpreter workflow sends to step activities and gets back. Types only: the
 * workflow imports this file, so it must stay free of runtime imports.
 */
import type { Plan, Template } from './plan.js';
import type { BatchRef, BatchResult } from './fanout.js';
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

/**
 * One batch of a forEach step's items (see fanout.ts), run by one activity `window` at a time, so
 * a fan-out is not bound by the server's activity rate. Finished items are written to the store as
 * they complete, so a retried batch runs only the items still owed; items that failed transiently
 * make the batch fail retryably.
 */
export interface BatchInvocation {
  mode: 'batch';
  /** The step's `ForEachContext`: its store key, or itself for a small fan-out (ForEachExpansion). */
  context: string | ForEachContext;
  batch: BatchRef;
  /** The batch's items, for a small fan-out; else they are in the store (`runKeys.batchItems`). */
  items?: unknown[];
  /** Items of the batch running at once. */
  window: number;
  /** Stop starting items after the first item that failed for good. */
  failFast: boolean;
  /** Each item's own time limit (the step's `timeout`). */
  itemTimeoutMs: number;
  /** The step's retry policy, applied per item across the batch's attempts. */
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
  /** Dollars this run of the batch may spend, beyond what its earlier runs spent (`budgetSpentBeforeUsd`). */
  budgetRemainingUsd?: number;
  budgetSpentBeforeUsd?: number;
}

export type StepInvocation = SingleInvocation | BatchInvocation;

/** The progress a batch heartbeats; the CLI adds it to the step's counts. */
export interface BatchProgress {
  succeeded: number;
  failed: number;
  cached: number;
  inFlight: number;
  usage: Usage;
}

/** What a batch heartbeats: its progress, and the details each running item last reported (a retry resumes from them). */
export interface BatchHeartbeat {
  progress: BatchProgress;
  items: Record<string, unknown>;
}

export interface StepResult {
  outputs: Record<string, unknown>;
  usage?: Usage;
  /** True when the result came from the step cache or from an earlier attempt of this run. */
  cached: boolean;
  /** Set for a batch of forEach items (whose records are in the store, not in `outputs`). */
  batch?: BatchResult;
}

/** One record per forEach item; the step's results JSONL is made of these, in item order. */
export interface ItemRecord {
  index: number;
  status: 'succeeded' | 'failed';
  outputs?: Record<string, unknown>;
  error?: { type: string; message: string };
  cached?: boolean;
}

/** Item records written by the workflow itself (a fan-out of sub-pipelines): one batch's. */
export interface BatchRecords {
  run: RunIdentity;
  stepId: string;
  batch: BatchRef;
  records: ItemRecord[];
}

export interface ForEachContext {
  run: RunIdentity;
  step: StepRuntime;
  scope: StepScope;
}

/**
 * A forEach step's items cut into batches. A small fan-out (its items and context within
 * INLINE_EXPANSION_CHARS of JSON) travels in the run's history: the context itself and each batch's
 * items (`items[k]` for `batches[k]`), nothing written to the store. A larger one is in the store:
 * `context` is the key of the context, and each batch's items are under `runKeys.batchItems`.
 */
export interface ForEachExpansion {
  count: number;
  context: string | ForEachContext;
  batches: BatchRef[];
  items?: unknown[][];
  /** Set when the whole step's result was already in the step cache. */
  cachedOutputs?: Record<string, unknown>;
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

/** What the worker's preparation of a bound run (isBoundRun) returns: the run has its plan and params. */
export interface RunChecked {
  announceEnd: boolean;
}

export interface PreparedRun {
  plan: Plan;
  params: Record<string, unknown>;
  /**
   * False when the run's end has nothing to announce (no `notify:`, no experiment tracking on the
   * worker that prepared it): the run then ends without the run-end activity. Absent in runs
   * prepared before it existed, which announce.
   */
  announceEnd?: boolean;
}
