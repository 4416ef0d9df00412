/**
 * The worker's preparation of a run (the prepareRun local activity). A run started by a pipeline's
 * name waits for it: it brings the plan. A run started with a compiled plan and bound params
 * (isBoundRun) needs it only to learn whether its end is announced (`notify:`, the worker's
 * experiment tracking), so it asks late: with its first local activity, or at its end. A local
 * activity holds the workflow task that scheduled it, so one asked at the start would hold back the
 * run's first activities (patch short-first-task; runs started before it ask at their start).
 */
import type { EngineActivities } from '../activities/runtime/engine-activities.js';
import type { PreparedRun, RunChecked } from '../engine/invocation.js';

export class Preparation {
  private asked: Promise<PreparedRun | RunChecked> | undefined;
  private settle!: { resolve(p: PreparedRun | RunChecked): void; reject(err: unknown): void };
  /** Settles as the preparation does, once it is asked; never asks by itself. */
  readonly settled: Promise<PreparedRun | RunChecked>;
  /** The preparation, once it has succeeded. */
  result: PreparedRun | RunChecked | undefined;

  constructor(private readonly request: () => Promise<PreparedRun | RunChecked>) {
    this.settled = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** The preparation, asked now if it was not yet. */
  ask(): Promise<PreparedRun | RunChecked> {
    if (!this.asked) {
      this.asked = this.request();
      this.asked.then((prepared) => {
        this.result = prepared;
        this.settle.resolve(prepared);
      }, this.settle.reject);
    }
    return this.asked;
  }

  /** The engine's local activities, each asking for the preparation first, so the two run at once. */
  askingFirst(activities: EngineActivities): EngineActivities {
    return new Proxy(activities, {
      get: (target, name, receiver) => {
        void this.ask();
        return Reflect.get(target, name, receiver) as unknown;
      },
    });
  }
}
