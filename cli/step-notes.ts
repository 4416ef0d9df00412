/**
 * Notes running steps report in their heartbeats, for the progress view and `status`: how far a
 * long activity is (a training or sampling step's `step`/`total`: "train.sft 12/40") and, for a
 * training step that resumed from another run's checkpoint, "resumed from step N of run R". A
 * sub-pipeline step runs as a child workflow `<run>/<step>`; its running activities speak for it.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

interface PendingActivity {
  activityType?: { name?: string | null } | null;
  heartbeatDetails?: { payloads?: Array<Parameters<typeof defaultPayloadConverter.fromPayload>[0]> | null } | null;
}

interface Beat {
  resumed?: unknown;
  stepId?: unknown;
  step?: unknown;
  total?: unknown;
}

function beatOf(activity: PendingActivity): Beat | null {
  const payload = activity.heartbeatDetails?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<Beat | null>(payload) : null;
}

function noteOf(activity: PendingActivity, beat: Beat | null): string | undefined {
  const parts: string[] = [];
  if (typeof beat?.step === 'number' && typeof beat.total === 'number') parts.push(`${activity.activityType?.name ?? 'activity'} ${beat.step}/${beat.total}`);
  if (typeof beat?.resumed === 'string') parts.push(`resumed from ${beat.resumed}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export async function stepNotes(client: Client, workflowId: string): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  const description = await client.workflow.getHandle(workflowId).describe();
  for (const activity of description.raw.pendingActivities ?? []) {
    const beat = beatOf(activity);
    const note = noteOf(activity, beat);
    if (note && typeof beat?.stepId === 'string') notes.set(beat.stepId, note);
  }
  const children = (description.raw.pendingChildren ?? []).map((c) => c.workflowId ?? '').filter((id) => id.startsWith(`${workflowId}/`));
  await Promise.all(children.map(async (id) => {
    const child = await client.workflow.getHandle(id).describe().catch(() => undefined);
    const inner = (child?.raw.pendingActivities ?? []).flatMap((a) => noteOf(a, beatOf(a)) ?? []);
    if (inner.length > 0) notes.set(id.slice(workflowId.length + 1), inner.join('; '));
  }));
  return notes;
}
