/**
 * The end of a run, for the world outside: the pipeline's `notify:` webhooks (root runs only: a
 * sub-pipeline's result reaches its parent) and experiment tracking, through one local activity
 * (activities/run-end). What it cannot do comes back as notes on the run; it never fails the run.
 */
import * as wf from '@temporalio/workflow';
import type { EngineActivities } from '../activities/runtime/engine-activities.js';
import type { RunIdentity } from '../engine/invocation.js';
import type { RunEndInput } from '../activities/run-end/types.js';
import type { Usage } from '../engine/usage.js';
import type { Plan } from '../engine/plan.js';
import type { StepProgress } from '../engine/progress.js';

// Webhooks are tried again inside the activity; these retries cover a worker lost meanwhile.
const acts = wf.proxyLocalActivities<EngineActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

export interface RunEnd {
  plan: Plan;
  run: RunIdentity;
  params: Record<string, unknown>;
  state: 'succeeded' | 'failed';
  startedAt: string;
  error?: string;
  steps: StepProgress[];
  usage: Usage;
  outputs: ReadonlyMap<string, Record<string, unknown>>;
}

/** Announces the run's end; asked only when there is something to announce (the run's preparation says). */
export async function announceRunEnd(end: RunEnd): Promise<string[]> {
  const input: RunEndInput = {
    run: end.run,
    pipeline: end.plan.name,
    state: end.state,
    startedAt: end.startedAt,
    ...(end.error !== undefined ? { error: end.error } : {}),
    params: end.params,
    steps: end.steps.map((s) => ({ id: s.id, uses: s.uses, state: s.state, ...(s.error !== undefined ? { error: s.error } : {}), ...(s.items ? { items: s.items } : {}) })),
    usage: end.usage,
    scope: { params: end.params, steps: Object.fromEntries([...end.outputs].map(([k, v]) => [k, { outputs: v }])) },
    ...(end.plan.notify && !wf.workflowInfo().parent ? { notify: end.plan.notify } : {}),
  };
  try {
    return (await acts['repairity.runEnded'](input)).notes;
  } catch (err) {
    if (wf.isCancellation(err)) throw err;
    return [`the run's end could not be announced (notifications, experiment tracking): ${err instanceof Error ? err.message : String(err)}`];
  }
}
