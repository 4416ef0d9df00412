/**
 * Notes running steps report in their heartbeats, for the progress view and `status`: a training
 * step that resumed from another run's checkpoint says "resumed from step N of run R".
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

export async function stepNotes(client: Client, workflowId: string): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  const description = await client.workflow.getHandle(workflowId).describe();
  for (const activity of description.raw.pendingActivities ?? []) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    const beat = defaultPayloadConverter.fromPayload<{ resumed?: unknown; stepId?: unknown } | null>(payload);
    if (typeof beat?.resumed === 'string' && typeof beat.stepId === 'string') notes.set(beat.stepId, `resumed from ${beat.resumed}`);
  }
  return notes;
}
