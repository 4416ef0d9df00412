/**
 * A pipeline run's end in MLflow: its params, plan hash, pipeline name and Temporal ids, the
 * evaluation metrics of its `eval.metrics` steps, its `report.build` outputs as artifacts, and
 * its final status.
 */
import type { ArtifactStore } from '../../store/types.js';
import type { KeyValue, Metric } from '../tracking/mlflow.js';
import { RunTracker } from '../tracking/runs.js';
import type { TrackingSettings } from '../tracking/settings.js';
import type { RunEndInput } from './types.js';

/** A report step's outputs and the names its files get among the run's artifacts. */
const REPORT_FILES = [
  ['html', 'report.html'],
  ['markdown', 'report.md'],
  ['json', 'report.json'],
] as const;

const param = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The outputs of the run's succeeded steps of one kind. */
function outputsOf(input: RunEndInput, uses: string): [string, Record<string, unknown>][] {
  return input.steps
    .filter((s) => s.uses === uses && (s.state === 'succeeded' || s.state === 'cached'))
    .map((s) => [s.id, input.scope.steps[s.id]?.outputs ?? {}] as [string, Record<string, unknown>])
    .filter(([, o]) => Object.keys(o).length > 0);
}

export async function trackRunEnd(settings: TrackingSettings, store: ArtifactStore, input: RunEndInput, temporal: { workflowId: string; runId: string }): Promise<void> {
  const tracker = new RunTracker(settings, store);
  const run = await tracker.pipelineRun(input.run.runId);
  const params: KeyValue[] = Object.entries(input.params).map(([key, value]) => ({ key, value: param(value) }));
  const tags: KeyValue[] = [
    { key: 'repairity.pipeline', value: input.pipeline },
    { key: 'repairity.plan_hash', value: input.run.planHash },
    { key: 'temporal.workflow_id', value: temporal.workflowId },
    { key: 'temporal.run_id', value: temporal.runId },
    { key: 'repairity.state', value: input.state },
  ];
  const timestamp = Date.now();
  const metrics: Metric[] = [{ key: 'cost_dollars', value: input.usage.costUsd, timestamp, step: 0 }];
  for (const [id, outputs] of outputsOf(input, 'eval.metrics')) {
    for (const [name, value] of Object.entries((outputs.metrics ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'number' && Number.isFinite(value)) metrics.push({ key: `${id}.${name}`, value, timestamp, step: 0 });
    }
  }
  await tracker.client.logBatch(run.runId, { params, tags, metrics });
  for (const [id, outputs] of outputsOf(input, 'report.build')) {
    for (const [field, name] of REPORT_FILES) {
      const uri = outputs[field];
      if (typeof uri === 'string') await tracker.client.putArtifact(run.artifactUri, `${id}/${name}`, await store.read(uri));
    }
  }
  await tracker.client.endRun(run.runId, input.state === 'succeeded' ? 'FINISHED' : 'FAILED', input.pipeline);
}
