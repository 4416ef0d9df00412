/**
 * Watchers of a trainer's events while a training step runs: the worker's metrics (iteration
 * time, checkpoint age) and, when set, experiment tracking. A watcher never fails the step.
 */
import type { StepContext } from '../../engine/kind.js';
import { training } from '../../activities/telemetry/metrics.js';
import type { TrainerEvent } from './events.js';

export interface TrainerWatcher {
  event(e: TrainerEvent): void;
  /** After the trainer exited; `ok` when it finished its stage. Never throws. */
  close(ok: boolean): Promise<void>;
}

export type WatchTrainer = (stage: string, ctx: StepContext) => TrainerWatcher;

/** Iteration seconds and checkpoint age, into the worker's metrics. */
export function metricsWatcher(stage: string): TrainerWatcher {
  let last: number | undefined;
  return {
    event(e) {
      if (e.event === 'start') {
        training.started(stage);
        last = performance.now();
      } else if (e.event === 'progress') {
        const now = performance.now();
        if (last !== undefined) training.iteration(stage, (now - last) / 1000);
        last = now;
      } else if (e.event === 'checkpoint') training.checkpointed(stage);
    },
    async close() {
      training.ended(stage);
    },
  };
}

/** All of them, as one. */
export function watchers(stage: string, ctx: StepContext, watch: readonly WatchTrainer[]): TrainerWatcher {
  const all = [metricsWatcher(stage), ...watch.map((w) => w(stage, ctx))];
  return {
    event: (e) => all.forEach((w) => w.event(e)),
    close: async (ok) => void (await Promise.all(all.map((w) => w.close(ok)))),
  };
}
