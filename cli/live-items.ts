/**
 * Live item counts of running forEach steps: what their running batch activities last
 * heartbeated (found among the run's pending activities by activity id).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { stepOfBatchActivity } from '../engine/fanout.js';
import type { BatchHeartbeat } from '../engine/invocation.js';
import type { StepProgress } from '../engine/progress.js';

export interface LiveItems {
  succeeded: number;
  failed: number;
}

/** Sums the batch heartbeats among a workflow's pending activities, by the step their id names. */
async function batchHeartbeats(client: Client, workflowId: string): Promise<Map<string, LiveItems>> {
  const byStep = new Map<string, LiveItems>();
  const description = await client.workflow.getHandle(workflowId).describe();
  for (const activity of description.raw.pendingActivities ?? []) {
    const stepId = stepOfBatchActivity(activity.activityId ?? '');
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (stepId === undefined || !payload) continue;
    const beat = defaultPayloadConverter.fromPayload<Partial<BatchHeartbeat>>(payload);
    const live = byStep.get(stepId) ?? { succeeded: 0, failed: 0 };
    live.succeeded += beat?.progress?.succeeded ?? 0;
    live.failed += beat?.progress?.failed ?? 0;
    byStep.set(stepId, live);
  }
  return byStep;
}

/** Items finished in each running forEach step and not yet in the run's own counts. */
export async function liveItems(client: Client, workflowId: string, steps: readonly StepProgress[]): Promise<Map<string, LiveItems>> {
  const running = steps.filter((s) => s.items && s.state === 'running');
  const live = new Map<string, LiveItems>();
  if (running.length === 0) return live;
  const batches = await batchHeartbeats(client, workflowId).catch(() => new Map<string, LiveItems>());
  for (const step of running) live.set(step.id, batches.get(step.id) ?? { succeeded: 0, failed: 0 });
  return live;
}
