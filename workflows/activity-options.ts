import type { ActivityOptions } from '@temporalio/workflow';
import { ActivityCancellationType } from '@temporalio/workflow';
import type { ActivityPlanOptions } from '../engine/invocation.js';
import type { ActivityStep } from '../engine/plan.js';
import { activityQueue } from './queues.js';

export function planActivityOptions(step: ActivityStep, workflowTaskQueue: string): ActivityPlanOptions {
  return {
    taskQueue: activityQueue(workflowTaskQueue, step.queue),
    startToCloseTimeoutMs: step.timeoutMs,
    ...(step.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: step.heartbeatTimeoutMs } : {}),
    retry: step.retry,
  };
}

export function toTemporalOptions(o: ActivityPlanOptions): ActivityOptions {
  return {
    taskQueue: o.taskQueue,
    startToCloseTimeout: o.startToCloseTimeoutMs,
    ...(o.heartbeatTimeoutMs !== undefined ? { heartbeatTimeout: o.heartbeatTimeoutMs } : {}),
    // Let steps clean up (containers, trainer processes) before the cancellation completes.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: o.retry.maximumAttempts,
      initialInterval: o.retry.initialIntervalMs,
      backoffCoefficient: o.retry.backoffCoefficient,
      maximumInterval: o.retry.maximumIntervalMs,
      nonRetryableErrorTypes: o.retry.nonRetryableErrorTypes,
    },
  };
}
