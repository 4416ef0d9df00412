/**
 * Which MLflow run stands for a pipeline run, and for each of its training steps. The first
 * caller creates it (tagged with the Repairity run) and remembers it in the artifact store, so
 * that every worker, every attempt and every replay logs into the same run.
 */
import { readJsonIfExists, writeJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';
import { runKeys, safeSegment, stepPrefix } from '../runtime/keys.js';
import { MlflowClient } from './mlflow.js';
import type { TrackingSettings } from './settings.js';

export interface TrackedRun {
  experimentId: string;
  runId: string;
  artifactUri: string;
}

/** Tag names on the MLflow runs; `mlflow.parentRunId` nests a run in the UI. */
export const TAGS = { runId: 'repairity.run_id', stepId: 'repairity.step_id', parent: 'mlflow.parentRunId' } as const;

const runKey = (runId: string) => `${runKeys.runRecord(runId).replace(/run\.json$/, '')}tracking/mlflow.json`;
const stepKey = (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/tracking/mlflow.json`;

/** Creations in flight in this process, so that steps starting together share one. */
const creating = new Map<string, Promise<TrackedRun>>();

async function once(store: ArtifactStore, key: string, create: () => Promise<TrackedRun>): Promise<TrackedRun> {
  const id = `${store.rootUri}|${key}`;
  let p = creating.get(id);
  if (!p) {
    p = (async () => {
      const known = await readJsonIfExists<TrackedRun>(store, key);
      if (known) return known;
      const made = await create();
      await writeJson(store, key, made);
      return made;
    })().finally(() => creating.delete(id));
    creating.set(id, p);
  }
  return p;
}

export class RunTracker {
  readonly client: MlflowClient;

  constructor(
    readonly settings: TrackingSettings,
    readonly store: ArtifactStore,
  ) {
    this.client = new MlflowClient(settings);
  }

  /** The MLflow run of a pipeline run (named after the run until its end names it after the pipeline). */
  pipelineRun(runId: string): Promise<TrackedRun> {
    return once(this.store, runKey(runId), async () => {
      const experimentId = await this.client.experimentId(this.settings.experiment);
      const run = await this.client.createRun(experimentId, safeSegment(runId), [{ key: TAGS.runId, value: runId }]);
      return { experimentId, ...run };
    });
  }

  /** The nested MLflow run of one training step. */
  stepRun(runId: string, stepId: string, stage: string): Promise<TrackedRun> {
    return once(this.store, stepKey(runId, stepId), async () => {
      const parent = await this.pipelineRun(runId);
      const run = await this.client.createRun(parent.experimentId, `${stepId} (${stage})`, [
        { key: TAGS.parent, value: parent.runId },
        { key: TAGS.runId, value: runId },
        { key: TAGS.stepId, value: stepId },
        { key: 'repairity.stage', value: stage },
      ]);
      return { experimentId: parent.experimentId, ...run };
    });
  }
}
