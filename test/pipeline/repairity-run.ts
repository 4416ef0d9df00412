/**
 * What both end-to-end tests of pipelines/repairity.yaml share: running it with progress lines,
 * and checking that the report's numbers are those of the run's artifacts.
 */
import path from 'node:path';
import { expect } from 'vitest';
import { passAtK } from '../../kinds/eval/estimators.js';
import type { Metrics, TaskResult } from '../../kinds/eval/metrics.js';
import { compilePipelineFile } from '../../compiler/index.js';
import type { S3Store } from '../../store/s3.js';
import type { TestEngine } from '../helpers/engine.js';
import { getRows } from './context.js';
import { repoRoot } from './services.js';

/** Runs the pipeline with `params`, printing its steps' states every 15 s; returns the run's workflow id and outputs. */
export async function runRepairity(engine: TestEngine, params: Record<string, unknown>, label: string): Promise<{ workflowId: string; out: Record<string, unknown> }> {
  const compiled = compilePipelineFile(path.join(repoRoot, 'pipelines/repairity.yaml'));
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
  const started = Date.now();
  const handle = await engine.start(compiled.plan, params);
  const timer = setInterval(() => {
    handle
      .query<{ steps: Array<{ id: string; state: string; items?: { total: number; succeeded: number } }> }>('progress')
      .then((p) => console.log(`${((Date.now() - started) / 1000).toFixed(0)} s: ${p.steps.map((s) => `${s.id}=${s.state}${s.items ? `(${s.items.succeeded}/${s.items.total})` : ''}`).join(' ')}`))
      .catch(() => undefined);
  }, 15_000);
  const summary = (await handle.result().finally(() => clearInterval(timer))) as { outputs: Record<string, unknown> };
  console.log(`repairity.yaml (${label}): ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { workflowId: handle.workflowId, out: summary.outputs };
}

export interface ReportJson {
  table: Array<Record<string, number | string | null>>;
  data: Record<string, number>;
  training: Record<string, { metrics: Record<string, number>; history: Array<Record<string, number>> }>;
  comparisons: Array<Record<string, unknown>>;
}

export async function expectReportMatchesArtifacts(store: S3Store, out: Record<string, unknown>): Promise<ReportJson> {
  expect(String(out.report)).toMatch(/^s3:\/\//);
  const report = JSON.parse((await store.read(String(out.report_json))).toString()) as ReportJson;
  expect(report.table.map((r) => r.model)).toEqual(['base', 'SFT', 'SFT+PPO']);
  // each row equals the metrics computed from that model's per-task artifact
  for (const [i, key] of ['base_per_task', 'sft_per_task', 'ppo_per_task'].entries()) {
    const perTask = await getRows<TaskResult>(store, String(out[key]));
    const row = report.table[i]!;
    expect(row.tasks).toBe(perTask.length);
    expect(row.passAt1).toBeCloseTo(perTask.reduce((s, t) => s + passAtK(t.n, t.c, 1), 0) / perTask.length, 12);
    expect(row.resolvedRate).toBeCloseTo(perTask.filter((t) => t.resolved).length / perTask.length, 12);
    const metrics = out[['base', 'sft', 'ppo'][i]!] as Metrics;
    expect(row.bleu).toBe(metrics.bleu);
    expect(row.compilationRate).toBe(metrics.compilationRate);
  }
  // the data funnel matches the datasets
  const test = await getRows(store, String(out.test_tasks));
  expect(report.data['held-out test']).toBe(test.length);
  expect(report.table[0]!.tasks).toBe(test.length);
  expect(report.data['teacher fix passes every test']).toBeLessThanOrEqual(report.data['teacher answered']!);
  expect(report.data['teacher fix passes every test']).toBeGreaterThan(0);
  expect(report.data['preference pairs']).toBeGreaterThan(0);
  // training metrics are the training steps' own
  expect(typeof report.training.sft!.metrics.loss).toBe('number');
  expect(typeof report.training.ppo!.metrics.kl).toBe('number');
  expect(report.comparisons).toHaveLength(2);
  return report;
}
