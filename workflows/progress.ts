/** The run's progress, as the `progress` query returns it. Types and pure helpers only. */
import type { Usage } from '../activities/define.js';

export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cached' | 'cancelled';

export interface ItemCounts {
  total: number;
  succeeded: number;
  failed: number;
  cached: number;
}

export interface StepProgress {
  id: string;
  uses: string;
  state: StepState;
  items?: ItemCounts;
  /** Runs from before chunks: child workflows running shards of a forEach step now (query them for live item counts). */
  shardWorkflowIds?: string[];
  error?: string;
  /** What kind of failure `error` is, when known (e.g. BudgetExceeded). */
  errorType?: string;
  reason?: string;
  startedAt?: string;
  endedAt?: string;
  usage: Usage;
}

export interface RunProgress {
  pipeline: string;
  planHash: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  steps: StepProgress[];
  usage: Usage;
  startedAt: string;
}

export interface ShardProgress {
  stepId: string;
  total: number;
  succeeded: number;
  failed: number;
  cached: number;
  inFlight: number;
}

export interface RunSummary {
  pipeline: string;
  runId: string;
  state: 'succeeded';
  outputs: Record<string, unknown>;
  steps: StepProgress[];
  usage: Usage;
  /** What the run's end could not do (a webhook or tracking server down); the run succeeded regardless. */
  notes?: string[];
}

export function zeroUsage(): Usage {
  return { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

/** What `now` adds to `before` (a cumulative total read twice). */
export function usageSince(now: Usage, before: Usage): Usage {
  return { requests: now.requests - before.requests, inputTokens: now.inputTokens - before.inputTokens, outputTokens: now.outputTokens - before.outputTokens, costUsd: now.costUsd - before.costUsd };
}

export function addUsageTo(into: Usage, more: Usage | undefined): void {
  if (!more) return;
  into.requests += more.requests;
  into.inputTokens += more.inputTokens;
  into.outputTokens += more.outputTokens;
  into.costUsd += more.costUsd;
}
