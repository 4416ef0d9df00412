/** What the interpreter hands the run-end activity. Types only (the workflow imports them). */
import type { Usage } from '../../engine/usage.js';
import type { NotifierPlan } from '../../engine/plan.js';
import type { RunIdentity, StepScope } from '../../engine/invocation.js';

export interface RunEndStep {
  id: string;
  uses: string;
  state: string;
  error?: string;
  items?: { total: number; succeeded: number; failed: number; cached: number };
}

export interface RunEndInput {
  run: RunIdentity;
  pipeline: string;
  state: 'succeeded' | 'failed';
  startedAt: string;
  /** Why the run failed. */
  error?: string;
  params: Record<string, unknown>;
  steps: RunEndStep[];
  usage: Usage;
  /** Params and every finished step's outputs: `if:` conditions, evaluation metrics, the report. */
  scope: StepScope;
  notify?: Record<string, NotifierPlan>;
}

export interface RunEndResult {
  /** What could not be done (a webhook down, a tracking server down): shown with the run, never failing it. */
  notes: string[];
}
