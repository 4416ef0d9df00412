/**
 * Follows a training step's trainer events into a nested MLflow run: one metric point per
 * logged iteration, sent as it happens (in order, one request at a time, off the trainer's
 * path). A tracking server that is down is tried again per request, then given up for the rest
 * of the step with one warning: it never fails the step.
 */
import type { StepContext } from '../../engine/kind.js';
import { metricValues } from '../../kinds/training/events.js';
import type { TrainerWatcher, WatchTrainer } from '../../kinds/training/watch.js';
import type { Metric } from './mlflow.js';
import { RunTracker } from './runs.js';
import type { TrackingSettings } from './settings.js';

export function mlflowWatcher(settings: TrackingSettings): WatchTrainer {
  return (stage: string, ctx: StepContext): TrainerWatcher => {
    const tracker = new RunTracker(settings, ctx.store);
    let gaveUp = false;
    let queue: Promise<void> = Promise.resolve();
    const send = (what: string, work: (runId: string) => Promise<void>): void => {
      queue = queue.then(async () => {
        if (gaveUp) return;
        try {
          await work((await tracker.stepRun(ctx.runId, ctx.stepId, stage)).runId);
        } catch (err) {
          gaveUp = true;
          ctx.log.warn(`${ctx.stepId}: experiment tracking stopped for this step (${what}): ${(err as Error).message}; training goes on`, { step: ctx.stepId });
        }
      });
    };
    return {
      event(e) {
        if (e.event !== 'metrics') return;
        const timestamp = Date.now();
        const metrics: Metric[] = Object.entries(metricValues(e)).map(([key, value]) => ({ key, value, timestamp, step: e.step }));
        send(`metrics of step ${e.step}`, (runId) => tracker.client.logBatch(runId, { metrics }));
      },
      async close(ok) {
        send('closing the run', (runId) => tracker.client.endRun(runId, ok ? 'FINISHED' : 'FAILED'));
        await queue;
      },
    };
  };
}
