/**
 * The execution plan: what the compiler produces and the interpreter workflow executes.
 * JSON-serialisable, fully validated, with every default applied. Workflow code imports
 * only these types.
 */

/** A value from the pipeline file; strings may hold `${{ expression }}` templates. */
export type Template = string | number | boolean | null | Template[] | { [key: string]: Template };

export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

export interface ParamSpec {
  type: ParamType;
  description?: string;
  default?: unknown;
  /** Allowed values, when the file lists them. */
  enum?: unknown[];
}

export interface RetryPlan {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  nonRetryableErrorTypes: string[];
}

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

interface StepBase {
  id: string;
  /** Every step this one waits for: `needs` plus each step its expressions reference. */
  needs: string[];
  /** Expression (without `${{ }}`) deciding whether the step runs. */
  if?: string;
  forEach?: { items: Template; concurrency: number };
  with: Record<string, Template>;
  continueOnError: boolean;
  /** 'run': the step runs when a step it needs was skipped (absent: it is skipped too). */
  skippedNeeds?: 'run';
  location: SourceLocation;
}

/** A step executed by an activity of a registered kind. */
export interface ActivityStep extends StepBase {
  type: 'activity';
  uses: string;
  /** Version of the kind's implementation, part of the cache key. */
  kindVersion: string;
  queue: string;
  retry: RetryPlan;
  timeoutMs: number;
  heartbeatTimeoutMs?: number;
  cache: boolean;
  budgetUsd?: number;
  /** The kind pays for its work (its StepSpec says `spends`): it takes shares of budgets. */
  spends?: boolean;
}

/** A step that runs another pipeline's plan as a child workflow. */
export interface PipelineStep extends StepBase {
  type: 'pipeline';
  plan: Plan;
}

export type PlanStep = ActivityStep | PipelineStep;

export interface SchedulePlan {
  cron: string[];
  timezone?: string;
  overlap: 'skip' | 'buffer_one' | 'buffer_all' | 'cancel_other' | 'terminate_other' | 'allow_all';
  catchupWindowMs?: number;
  paused: boolean;
  params: Record<string, unknown>;
  jitterMs?: number;
  note?: string;
}

export interface Plan {
  apiVersion: 'repairity/v1';
  name: string;
  description?: string;
  source: { file: string; sha256: string };
  /** sha256 of the plan itself (source hash, params schema, steps), for caching and display. */
  hash: string;
  params: Record<string, ParamSpec>;
  /** Topologically sorted. */
  steps: PlanStep[];
  outputs: Record<string, Template>;
  /** How many steps (not items) may run at once. */
  parallelism: number;
  budgetUsd?: number;
  schedule?: SchedulePlan;
  /** Webhooks posted when the run ends, by name (see compiler/notify.ts). */
  notify?: Record<string, NotifierPlan>;
}

/** One `notify:` entry: when and where to post a run's summary. */
export interface NotifierPlan {
  on: ('failure' | 'success')[];
  /** Exactly one of the two: the URL, or the worker's environment variable holding it. */
  webhook?: string;
  webhookEnv?: string;
  /** A condition over `params` and `steps`, decided at the run's end. */
  if?: string;
  text?: string;
}

/** What the interpreter workflow accepts: a compiled plan, or a pipeline path to load and compile. */
export type RunInput = ({ plan: Plan } | { pipeline: string }) & {
  params?: Record<string, unknown>;
  runLabel?: string;
  /** Set by a parent run for a sub-pipeline: the most it may spend (its share of the parent's budget). */
  budgetCapUsd?: number;
  /** Steps to run again even when the step cache has their result (`repairity rerun --force/--from`). */
  force?: string[];
};

/**
 * Whether a run was started with a compiled plan and params naming exactly its declared params
 * (the shape the compiler's bindParams gives them): such a run starts its steps without waiting
 * for the worker to bind them again, and the worker's preparation returns only what the run lacks.
 */
export function isBoundRun(input: RunInput): input is RunInput & { plan: Plan; params: Record<string, unknown> } {
  if (!('plan' in input) || input.params === undefined) return false;
  const declared = Object.keys(input.plan.params);
  return declared.length === Object.keys(input.params).length && declared.every((name) => name in input.params!);
}
