/** The run's progress, as the `progress` query returns it. Types and pure helpers only. */
import type { Usage } from './usage.js';

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
