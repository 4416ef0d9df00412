/** Where the bench's runs spent their time, from their histories' event times (BENCH_TIMELINE=1). */
import type { Client } from '@temporalio/client';

/** The history events the runs have, by their number in Temporal's EventType. */
const EVENT_NAMES: Record<number, string> = { 1: 'WorkflowExecutionStarted', 2: 'WorkflowExecutionCompleted', 3: 'WorkflowExecutionFailed', 5: 'WorkflowTaskScheduled', 6: 'WorkflowTaskStarted', 7: 'WorkflowTaskCompleted', 10: 'ActivityTaskScheduled', 11: 'ActivityTaskStarted', 12: 'ActivityTaskCompleted', 25: 'MarkerRecorded', 40: 'UpsertWorkflowSearchAttributes' };

async function eventsOf(client: Client, workflowId: string) {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const msOf = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + e.eventTime!.nanos! / 1e6;
  const t0 = events[0] ? msOf(events[0]) : 0;
  return events.map((e) => ({ e, ms: msOf(e) - t0 }));
}

/** One run's events, in ms since its first. */
export async function printTimeline(client: Client, workflowId: string): Promise<void> {
  for (const { e, ms } of await eventsOf(client, workflowId)) {
    const what = e.markerRecordedEventAttributes ? (e.markerRecordedEventAttributes.markerName ?? 'marker') : (e.activityTaskScheduledEventAttributes?.activityId ?? '');
    console.log(`${ms.toFixed(0).padStart(6)} ms  ${EVENT_NAMES[e.eventType ?? 0] ?? `event ${e.eventType}`} ${what}`);
  }
}

/**
 * The median, over runs, of when each phase ended (ms since the run's start, by the server's
 * clock): its first workflow task, its first batch's scheduling, its batches (activities of type
 * `batchType`), its end.
 */
export async function printPhases(client: Client, label: string, workflowIds: string[], batchType: string): Promise<void> {
  const rows: number[][] = [];
  for (const id of workflowIds) {
    const events = await eventsOf(client, id);
    const at = (pred: (e: (typeof events)[number]['e']) => boolean) => events.filter(({ e }) => pred(e)).map(({ ms }) => ms);
    const batchIds = new Set(events.flatMap(({ e }) => (e.activityTaskScheduledEventAttributes?.activityType?.name === batchType ? [String(e.eventId)] : [])));
    rows.push([at((e) => e.eventType === 7)[0]!, at((e) => e.eventType === 10)[0]!, Math.max(...at((e) => batchIds.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)))), events.at(-1)!.ms]);
  }
  const median = (k: number) => rows.map((r) => r[k]!).sort((a, b) => a - b)[Math.floor(rows.length / 2)]!.toFixed(1);
  console.log(`${label.padEnd(34)} first workflow task done ${median(0)} ms, first batch scheduled ${median(1)}, batches done ${median(2)}, run done ${median(3)} (medians of ${rows.length} runs)`);
}
