/**
 * Task queue names. The workflow queue is `<prefix>repairity`; a step's queue `q` is served on
 * `<prefix>repairity-q`. Pure: imported by workflow code and by workers.
 */
export const WORKFLOW_QUEUE_BASE = 'repairity';

export function workflowQueue(prefix = ''): string {
  return `${prefix}${WORKFLOW_QUEUE_BASE}`;
}

/** The activity queue for step queue `queue`, given the queue the workflow itself runs on. */
export function activityQueue(workflowTaskQueue: string, queue: string): string {
  return `${workflowTaskQueue}-${queue}`;
}
