/** A StepContext for calling training steps directly (no Temporal), recording heartbeats. */
import fs from 'node:fs';
import path from 'node:path';
import { readDefaults } from '../../core/env.js';
import type { StepContext } from '../../activities/define.js';
import type { ArtifactStore } from '../../store/types.js';

export interface RecordingContext extends StepContext {
  beats: unknown[];
  controller: AbortController;
}

export function makeContext(store: ArtifactStore, opts: { lastHeartbeat?: unknown; attempt?: number; onHeartbeat?: (d: unknown) => void } = {}): RecordingContext {
  const controller = new AbortController();
  const beats: unknown[] = [];
  return {
    runId: 'run-test',
    stepId: 'train',
    idempotencyKey: 'run-test/train',
    attempt: opts.attempt ?? 1,
    store,
    heartbeat: (d) => {
      beats.push(d);
      opts.onHeartbeat?.(d);
    },
    lastHeartbeat: <T>() => opts.lastHeartbeat as T | undefined,
    signal: controller.signal,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    reportUsage: () => undefined,
    cache: true,
    beats,
    controller,
  };
}

/** The trainer's interpreter: REPAIRITY_PYTHON (exported by `make`), else the cached venv. */
export function trainerPython(): string {
  const fromEnv = process.env.REPAIRITY_PYTHON;
  if (fromEnv) return fromEnv;
  const cached = path.join(readDefaults().cacheDir, 'venv', 'bin', 'python');
  if (!fs.existsSync(cached)) throw new Error(`no trainer environment at ${cached}: run \`make venv\` first`);
  return cached;
}
