/**
 * A StepContext for calling step implementations directly (no Temporal) that records what the
 * step reports: heartbeats, usage, log lines. The areas' test helpers wrap it with their defaults.
 */
import type { StepContext } from '../../engine/kind.js';
import type { Usage } from '../../engine/usage.js';
import type { ArtifactStore } from '../../store/types.js';

export interface RecordingStepContext extends StepContext {
  heartbeats: unknown[];
  usage: Usage;
  logs: string[];
  controller: AbortController;
}

export interface RecordingOptions {
  runId?: string;
  stepId?: string;
  attempt?: number;
  cache?: boolean;
  /** What `lastHeartbeat()` returns (a previous attempt's details). */
  lastHeartbeat?: unknown;
  onHeartbeat?(details: unknown): void;
}

export function recordingContext(store: ArtifactStore, o: RecordingOptions = {}): RecordingStepContext {
  const runId = o.runId ?? 'run-test';
  const stepId = o.stepId ?? 'step';
  const controller = new AbortController();
  const heartbeats: unknown[] = [];
  const logs: string[] = [];
  const usage: Usage = { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  const log = (level: string) => (m: string, f?: Record<string, unknown>) => {
    logs.push(`${level} ${m} ${f ? JSON.stringify(f) : ''}`);
  };
  return {
    runId,
    stepId,
    idempotencyKey: `${runId}/${stepId}`,
    attempt: o.attempt ?? 1,
    store,
    heartbeat: (d) => {
      heartbeats.push(d);
      o.onHeartbeat?.(d);
    },
    lastHeartbeat: <T>() => o.lastHeartbeat as T | undefined,
    signal: controller.signal,
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    reportUsage: (u) => {
      usage.requests += u.requests ?? 0;
      usage.inputTokens += u.inputTokens ?? 0;
      usage.outputTokens += u.outputTokens ?? 0;
      usage.costUsd += u.costUsd ?? 0;
    },
    cache: o.cache ?? true,
    heartbeats,
    usage,
    logs,
    controller,
  };
}
