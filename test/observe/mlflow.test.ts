/**
 * Experiment tracking against a real MLflow tracking server (SQLite backend) started here: a
 * pipeline with SFT, reward and PPO on the tiny model, an evaluation and a report becomes an
 * MLflow run with its params and tags, one nested run per training step holding one metric point
 * per logged iteration, the evaluation metrics and the report as artifacts. With the server
 * stopped, the same pipeline completes and its result says tracking failed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunEndSettings } from '../../activities/run-end/settings.js';
import type { RunSummary } from '../../engine/progress.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { trainerPython } from '../../core/env.js';
import { mlflowBin, startMlflow, type MlflowServer } from './mlflow-server.js';

const bin = mlflowBin();
const EXPERIMENT = 'repairity-test';

const PIPELINE = `
name: tracked-training
params:
  sftData: { type: string }
  prefs: { type: string }
  prompts: { type: string }
  verdicts: { type: string }
  candidates: { type: string }
defaults:
  cache: false
steps:
  sft:
    uses: train.sft
    with:
      dataset: \${{ params.sftData }}
      config: { threads: 1, max_steps: 5, batch_size: 4, optim: { lr: 0.01 }, lora: { rank: 4, alpha: 16, dropout: 0.0, target_modules: [q_proj, v_proj] } }
  reward:
    uses: train.reward
    with: { model: "\${{ steps.sft.outputs.model }}", dataset: "\${{ params.prefs }}", config: { threads: 1, max_steps: 4, batch_size: 4 } }
  ppo:
    uses: train.ppo
    with:
      policy: "\${{ steps.sft.outputs.model }}"
      rewardModel: "\${{ steps.reward.outputs.model }}"
      prompts: "\${{ params.prompts }}"
      config: { threads: 1, iterations: 3, batch_size: 4, minibatch_size: 2, ppo_epochs: 1, max_new_tokens: 4 }
  evaluate:
    uses: eval.metrics
    with:
      verdicts: \${{ params.verdicts }}
      candidates: \${{ params.candidates }}
      model: ppo
  report:
    uses: report.build
    with:
      title: tracked
      models: ["\${{ steps.evaluate.outputs.metrics }}"]
      training:
        sft: \${{ steps.sft.outputs }}
        reward: \${{ steps.reward.outputs }}
        ppo: \${{ steps.ppo.outputs }}
outputs:
  sftHistory: \${{ steps.sft.outputs.history }}
  rewardHistory: \${{ steps.reward.outputs.history }}
  ppoHistory: \${{ steps.ppo.outputs.history }}
  passAt1: \${{ steps.evaluate.outputs.metrics.passAt1 }}
`;

interface MlflowRun {
  info: { run_id: string; run_name: string; status: string; artifact_uri: string };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[]; metrics?: { key: string; value: number }[] };
}

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe.skipIf(!bin)(`experiment tracking in MLflow${bin ? '' : ' (skipped: no MLflow server; run `make mlflow`)'}`, () => {
  let server: MlflowServer;
  let engine: TestEngine;
  let dir: string;
  let params: Record<string, string>;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-mlflow-'));
    server = await startMlflow(bin!, dir);
    const env = { ...process.env, REPAIRITY_PYTHON: trainerPython(process.env), REPAIRITY_MLFLOW_TRACKING_URI: server.url, REPAIRITY_MLFLOW_EXPERIMENT: EXPERIMENT };
    const saved = { ...process.env };
    // The training steps read their settings from the environment when the engine is built.
    Object.assign(process.env, env);
    try {
      engine = await createTestEngine({ runEnd: readRunEndSettings(env) });
    } finally {
      for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    const words = Array.from({ length: 16 }, (_, i) => 'abcdefgh'.repeat(2).slice(i % 8, (i % 8) + 5));
    const put = async (rows: object[]) => (await engine.store.putContent(jsonl(rows))).uri;
    const ref = 'def f(x):\n    return x + 1';
    params = {
      sftData: await put(words.map((w) => ({ prompt: `reverse ${w}:`, trace: 'backwards', fix: [...w].reverse().join('') }))),
      prefs: await put(Array.from({ length: 12 }, (_, i) => ({ prompt: `fix ${i}:`, chosen: words[i]!, rejected: String(100000 + i * 7919) }))),
      prompts: await put(Array.from({ length: 8 }, (_, i) => ({ prompt: `reverse ${words[i]}:` }))),
      candidates: await put([{ id: '1', sample_index: 0, fix: ref, reference: ref }, { id: '2', sample_index: 0, fix: 'def g(:', reference: ref }]),
      verdicts: await put([{ row: 1, id: '1', status: 'passed' }, { row: 2, id: '2', status: 'error' }]),
    };
  }, 600_000);

  afterAll(async () => {
    await engine?.close();
    await server?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function runsOf(runId: string): Promise<MlflowRun[]> {
    const exp = await server.get<{ experiment: { experiment_id: string } }>(`/api/2.0/mlflow/experiments/get-by-name?experiment_name=${EXPERIMENT}`);
    const r = await server.post<{ runs?: MlflowRun[] }>('/api/2.0/mlflow/runs/search', { experiment_ids: [exp.experiment.experiment_id], filter: `tags.\`repairity.run_id\` = '${runId}'`, max_results: 100 });
    return r.runs ?? [];
  }

  const tag = (run: MlflowRun, key: string) => run.data.tags?.find((t) => t.key === key)?.value;
  const lines = async (uri: unknown) => (await engine.store.read(uri as string)).toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

  it('logs the run, a nested run per training step with every logged iteration, the evaluation and the report', async () => {
    const handle = await engine.start(engine.compile(PIPELINE, 'tracked.yaml'), params);
    const summary = (await handle.result()) as RunSummary;
    expect(summary.notes).toBeUndefined();
    const runs = await runsOf(summary.runId);
    const parent = runs.find((r) => !tag(r, 'mlflow.parentRunId'))!;
    expect(parent).toBeDefined();
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.info.run_name).toBe('tracked-training');
    expect(tag(parent, 'repairity.pipeline')).toBe('tracked-training');
    expect(tag(parent, 'repairity.plan_hash')).toMatch(/^[0-9a-f]{64}$/);
    expect(tag(parent, 'temporal.workflow_id')).toBe(handle.workflowId);
    expect(tag(parent, 'temporal.run_id')).toBe((await handle.describe()).runId);
    expect(Object.fromEntries(parent.data.params!.map((p) => [p.key, p.value]))).toEqual(params);
    const metrics = Object.fromEntries(parent.data.metrics!.map((m) => [m.key, m.value]));
    expect(metrics['evaluate.passAt1']).toBe(0.5);
    expect(metrics['evaluate.compilationRate']).toBe(0.5);
    const artifacts = await server.get<{ files?: { path: string }[] }>(`/api/2.0/mlflow/artifacts/list?run_id=${parent.info.run_id}&path=report`);
    expect(artifacts.files!.map((f) => f.path).sort()).toEqual(['report/report.html', 'report/report.json', 'report/report.md']);

    const nested = runs.filter((r) => tag(r, 'mlflow.parentRunId') === parent.info.run_id);
    expect(nested.map((r) => tag(r, 'repairity.step_id')).sort()).toEqual(['ppo', 'reward', 'sft']);
    for (const [step, key, historyUri] of [['sft', 'loss', summary.outputs.sftHistory], ['reward', 'loss', summary.outputs.rewardHistory], ['ppo', 'mean_reward', summary.outputs.ppoHistory]] as const) {
      const run = nested.find((r) => tag(r, 'repairity.step_id') === step)!;
      expect(run.info.status, step).toBe('FINISHED');
      // One point per metrics event the trainer logged, at its step, with its value.
      const logged = (await lines(historyUri)).filter((h) => key in h);
      expect(logged.length, step).toBeGreaterThan(0);
      const history = await server.get<{ metrics: { step: number; value: number }[] }>(`/api/2.0/mlflow/metrics/get-history?run_id=${run.info.run_id}&metric_key=${key}`);
      expect(history.metrics.map((m) => [m.step, m.value]).sort((a, b) => a[0]! - b[0]!), step).toEqual(logged.map((h) => [h.step, h[key]]));
    }
  }, 900_000);

  it('with the tracking server stopped, the same pipeline completes and says so', async () => {
    await server.stop();
    const summary = (await (await engine.start(engine.compile(PIPELINE, 'tracked.yaml'), params)).result()) as RunSummary;
    expect(summary.state).toBe('succeeded');
    expect(summary.outputs.passAt1).toBe(0.5);
    expect(summary.notes).toHaveLength(1);
    expect(summary.notes![0]).toMatch(/^experiment tracking: MLflow at http:\/\/127\.0\.0\.1:\d+: .* failed after 3 tries/);
    expect(summary.notes![0]).toContain('were not logged to MLflow');
  }, 600_000);
});
