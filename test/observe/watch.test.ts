/** The trainer-event watchers alone: the worker's training metrics, and MLflow tracking with no server to reach. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../activities/telemetry/metrics.js';
import { metricsWatcher } from '../../kinds/training/watch.js';
import { mlflowWatcher } from '../../activities/tracking/trainer-watch.js';
import { readMetricsSettings } from '../../worker/metrics-settings.js';
import { LocalStore } from '../../store/local.js';
import { freePort } from '../../dev-services/free-port.js';
import { recordingContext } from '../helpers/step-context.js';
import { sample } from './prometheus.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the training metrics watcher', () => {
  it('times iterations, and reports checkpoint age while the stage runs', async () => {
    const w = metricsWatcher('sft');
    w.event({ event: 'start', stage: 'sft', total: 3, step: 0, resumed_from: null });
    for (let step = 1; step <= 3; step++) {
      await sleep(20);
      w.event({ event: 'progress', step, total: 3 });
    }
    await sleep(30);
    let text = await registry.metrics();
    expect(sample(text, 'repairity_training_iteration_duration_seconds_count', { stage: 'sft' })).toBe(3);
    expect(sample(text, 'repairity_training_iteration_duration_seconds_sum', { stage: 'sft' })).toBeGreaterThanOrEqual(0.05);
    expect(sample(text, 'repairity_training_checkpoint_age_seconds', { stage: 'sft' })).toBeGreaterThanOrEqual(0.09);
    w.event({ event: 'checkpoint', step: 3, path: '/x' });
    text = await registry.metrics();
    expect(sample(text, 'repairity_training_checkpoint_age_seconds', { stage: 'sft' })).toBeLessThan(0.05);
    await w.close(true);
    expect(await registry.metrics()).not.toMatch(/^repairity_training_checkpoint_age_seconds\{/m);
  });
});

describe('the MLflow watcher', () => {
  it('never fails a step when the tracking server is down: it warns once and gives up for the step', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-watch-'));
    const port = await freePort(); // nothing listens on it
    try {
      const ctx = recordingContext(new LocalStore(dir), { stepId: 'sft' });
      const w = mlflowWatcher({ uri: `http://127.0.0.1:${port}`, experiment: 'x', attempts: 2, retryDelayMs: 10, timeoutMs: 1000 })('sft', ctx);
      for (let step = 1; step <= 5; step++) w.event({ event: 'metrics', step, loss: 1 / step });
      await w.close(true);
      const warnings = ctx.logs.filter((l) => l.startsWith('warn'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`sft: experiment tracking stopped for this step (metrics of step 1): MLflow at http://127.0.0.1:${port}`);
      expect(warnings[0]).toContain('failed after 2 tries');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the metrics endpoint settings', () => {
  it('are off by default, and a bad port says what to set', () => {
    expect(readMetricsSettings({})).toBeUndefined();
    expect(readMetricsSettings({ REPAIRITY_METRICS_PORT: '9464' })).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(() => readMetricsSettings({ REPAIRITY_METRICS_PORT: 'ninety' })).toThrow(/REPAIRITY_METRICS_PORT must be a port number .*unset it to serve no metrics/);
  });
});
