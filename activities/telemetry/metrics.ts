/**
 * The product's Prometheus metrics, one registry per process. Steps and kinds record into it
 * whether or not anything scrapes it (a counter increment costs nanoseconds); a worker serves it
 * only when a metrics port is set (worker/telemetry.ts). Names follow Prometheus's conventions:
 * base units (seconds, dollars, tokens), `_total` on counters, labels of bounded cardinality.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();

const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });

/** Steps run once (not forEach): by attempt; forEach steps: when fanned out and when collected. */
const steps = {
  started: counter('repairity_steps_started_total', 'Steps started, by step kind', ['kind']),
  succeeded: counter('repairity_steps_succeeded_total', 'Steps that succeeded, by step kind', ['kind']),
  failed: counter('repairity_steps_failed_total', 'Steps that failed for good (no attempt left, or a permanent error), by step kind', ['kind']),
  retried: counter('repairity_steps_retried_total', 'Attempts of steps after their first, by step kind', ['kind']),
};
/** forEach items. */
const items = {
  started: counter('repairity_items_started_total', 'forEach items started (each try), by step kind', ['kind']),
  succeeded: counter('repairity_items_succeeded_total', 'forEach items that succeeded, by step kind', ['kind']),
  failed: counter('repairity_items_failed_total', 'forEach items that failed for good, by step kind', ['kind']),
  retried: counter('repairity_items_retried_total', 'forEach items that failed for now and run again on the next attempt, by step kind', ['kind']),
};
export type Outcome = keyof typeof steps;

export function countStep(kind: string, outcome: Outcome): void {
  steps[outcome].inc({ kind });
}

export function countItem(kind: string, outcome: Outcome, n = 1): void {
  if (n > 0) items[outcome].inc({ kind }, n);
}

/**
 * A batch's item counts, added to the counters by `flush` (on the batch's heartbeat and at its
 * end): a counter's increment looks up its labels, a cost paid per flush instead of per item.
 */
export class ItemCounts {
  private readonly n: Record<Outcome, number> = { started: 0, succeeded: 0, failed: 0, retried: 0 };

  constructor(private readonly kind: string) {}

  add(outcome: Outcome): void {
    this.n[outcome]++;
  }

  flush(): void {
    for (const outcome of Object.keys(this.n) as Outcome[]) {
      countItem(this.kind, outcome, this.n[outcome]);
      this.n[outcome] = 0;
    }
  }
}

const claudeTokens = counter('repairity_claude_tokens_total', 'Claude tokens paid for, by model and direction (input, output)', ['model', 'direction']);
const claudeCost = counter('repairity_claude_cost_dollars_total', 'Dollars spent on Claude, by model', ['model']);
const claudeRequests = counter('repairity_claude_requests_total', 'Claude requests paid for, by model and mode (message, batch)', ['model', 'mode']);

export function countClaude(model: string, mode: 'message' | 'batch', usage: { requests: number; inputTokens: number; outputTokens: number; costUsd: number }): void {
  claudeRequests.inc({ model, mode }, usage.requests);
  claudeTokens.inc({ model, direction: 'input' }, usage.inputTokens);
  claudeTokens.inc({ model, direction: 'output' }, usage.outputTokens);
  claudeCost.inc({ model }, usage.costUsd);
}

const verdicts = counter('repairity_sandbox_verdicts_total', 'Sandbox verdicts, by status (passed, failed, error, timeout, out_of_memory, crashed)', ['status']);
const taskSeconds = new Histogram({
  name: 'repairity_sandbox_task_duration_seconds',
  help: 'Wall-clock seconds of one sandbox task (compile and test), by verdict status',
  labelNames: ['status'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [registry],
});

export function countVerdict(status: string, durationMs: number): void {
  verdicts.inc({ status });
  taskSeconds.observe({ status }, durationMs / 1000);
}

const iterationSeconds = new Histogram({
  name: 'repairity_training_iteration_duration_seconds',
  help: 'Seconds per trainer iteration (optimizer step, or PPO iteration), by stage',
  labelNames: ['stage'],
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

/** When each running training stage last stored a checkpoint (or started, before its first). */
const lastCheckpoint = new Map<string, number>();
new Gauge({
  name: 'repairity_training_checkpoint_age_seconds',
  help: 'Seconds since the running training stage last stored a checkpoint (since it started, before its first), by stage',
  labelNames: ['stage'],
  registers: [registry],
  collect() {
    this.reset();
    for (const [stage, at] of lastCheckpoint) this.set({ stage }, (Date.now() - at) / 1000);
  },
});

export const training = {
  started(stage: string): void {
    lastCheckpoint.set(stage, Date.now());
  },
  iteration(stage: string, seconds: number): void {
    iterationSeconds.observe({ stage }, seconds);
  },
  checkpointed(stage: string): void {
    lastCheckpoint.set(stage, Date.now());
  },
  ended(stage: string): void {
    lastCheckpoint.delete(stage);
  },
};
