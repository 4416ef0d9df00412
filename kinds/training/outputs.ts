/** Uploading what a stage produced. */
import { putDirectory } from '../../store/directory.js';
import type { StepContext } from '../../engine/kind.js';
import type { TrainerResult } from './run-trainer.js';
import type { TrainedOutput } from './sft.js';

export async function storeModel(ctx: StepContext, dir: string): Promise<string> {
  const { ref } = await putDirectory(ctx.store, dir, { run: ctx.runId, step: ctx.stepId });
  return ref.uri;
}

export function num(metrics: Record<string, number>, name: string): number | null {
  const v = metrics[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Every metrics event of the attempt ({step, ...metrics}, in order) as a JSONL artifact: the report's training curves. */
export async function storeHistory(ctx: StepContext, history: Array<Record<string, number>>): Promise<string> {
  const body = history.map((h) => JSON.stringify(h)).join('\n') + (history.length > 0 ? '\n' : '');
  return (await ctx.store.putContent(body, { mediaType: 'application/x-ndjson', run: ctx.runId, step: ctx.stepId })).uri;
}

/** The outputs every training stage shares: the stored model, its hash, progress and metrics. */
export async function trainedOutput(ctx: StepContext, r: TrainerResult): Promise<TrainedOutput> {
  return {
    model: await storeModel(ctx, r.output),
    sha256: r.sha256,
    steps: r.steps,
    resumedFrom: r.resumedFrom,
    metrics: r.metrics,
    history: await storeHistory(ctx, r.history),
  };
}
