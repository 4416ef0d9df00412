/**
 * Live item counts of a running forEach step: the finished chunks each running shard workflow
 * reports through its `progress` query, plus what its running chunk activity last heartbeated.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ChunkHeartbeat } from '../activities/runtime/run-chunk.js';
import type { ShardProgress, StepProgress } from '../workflows/progress.js';

export interface LiveItems {
  succeeded: number;
  failed: number;
}

async function chunkProgress(client: Client, workflowId: string): Promise<LiveItems> {
  const live: LiveItems = { succeeded: 0, failed: 0 };
  const description = await client.workflow.getHandle(workflowId).describe();
  for (const activity of description.raw.pendingActivities ?? []) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    const beat = defaultPayloadConverter.fromPayload<Partial<ChunkHeartbeat>>(payload);
    live.succeeded += beat?.progress?.succeeded ?? 0;
    live.failed += beat?.progress?.failed ?? 0;
  }
  return live;
}

async function shardItems(client: Client, workflowId: string): Promise<LiveItems> {
  const [query, chunks] = await Promise.all([
    client.workflow.getHandle(workflowId).query<ShardProgress>('progress').catch(() => undefined),
    chunkProgress(client, workflowId).catch(() => ({ succeeded: 0, failed: 0 })),
  ]);
  return { succeeded: (query?.succeeded ?? 0) + chunks.succeeded, failed: (query?.failed ?? 0) + chunks.failed };
}

/** Items finished in the step's running shards, not yet in the run's own counts; undefined when none run. */
export async function liveItems(client: Client, step: StepProgress): Promise<LiveItems | undefined> {
  if (!step.shardWorkflowIds?.length || step.state !== 'running') return undefined;
  const shards = await Promise.all(step.shardWorkflowIds.map((id) => shardItems(client, id)));
  return shards.reduce((a, b) => ({ succeeded: a.succeeded + b.succeeded, failed: a.failed + b.failed }), { succeeded: 0, failed: 0 });
}
