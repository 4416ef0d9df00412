/**
 * Live item counts of running forEach steps: what their running chunk activities last
 * heartbeated (found among the run's pending activities by activity id), and for runs from
 * before chunks, what their shard child workflows report through the `progress` query.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ChunkHeartbeat } from '../activities/runtime/run-chunk.js';
import type { ShardProgress, StepProgress } from '../engine/progress.js';

export interface LiveItems {
  succeeded: number;
  failed: number;
}

const none = (): LiveItems => ({ succeeded: 0, failed: 0 });

/** Sums the chunk heartbeats among a workflow's pending activities, by the step their id names. */
async function chunkHeartbeats(client: Client, workflowId: string): Promise<Map<string, LiveItems>> {
  const byStep = new Map<string, LiveItems>();
  const description = await client.workflow.getHandle(workflowId).describe();
  for (const activity of description.raw.pendingActivities ?? []) {
    const stepId = activity.activityId?.match(/^(.*)\/chunk-\d+$/)?.[1];
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (stepId === undefined || !payload) continue;
    const beat = defaultPayloadConverter.fromPayload<Partial<ChunkHeartbeat>>(payload);
    const live = byStep.get(stepId) ?? none();
    live.succeeded += beat?.progress?.succeeded ?? 0;
    live.failed += beat?.progress?.failed ?? 0;
    byStep.set(stepId, live);
  }
  return byStep;
}

async function shardWorkflowItems(client: Client, ids: readonly string[]): Promise<LiveItems> {
  const live = none();
  for (const id of ids) {
    const q = await client.workflow.getHandle(id).query<ShardProgress>('progress').catch(() => undefined);
    live.succeeded += q?.succeeded ?? 0;
    live.failed += q?.failed ?? 0;
  }
  return live;
}

/** Items finished in each running forEach step and not yet in the run's own counts. */
export async function liveItems(client: Client, workflowId: string, steps: readonly StepProgress[]): Promise<Map<string, LiveItems>> {
  const running = steps.filter((s) => s.items && s.state === 'running');
  const live = new Map<string, LiveItems>();
  if (running.length === 0) return live;
  const chunks = await chunkHeartbeats(client, workflowId).catch(() => new Map<string, LiveItems>());
  for (const step of running) {
    const fromShards = step.shardWorkflowIds?.length ? await shardWorkflowItems(client, step.shardWorkflowIds) : none();
    const fromChunks = chunks.get(step.id) ?? none();
    live.set(step.id, { succeeded: fromShards.succeeded + fromChunks.succeeded, failed: fromShards.failed + fromChunks.failed });
  }
  return live;
}
