/** Uploading what a stage produced. */
import { putDirectory } from '../../store/directory.js';
import type { StepContext } from '../define.js';

export async function storeModel(ctx: StepContext, dir: string): Promise<string> {
  const { ref } = await putDirectory(ctx.store, dir, { run: ctx.runId, step: ctx.stepId });
  return ref.uri;
}

export function num(metrics: Record<string, number>, name: string): number | null {
  const v = metrics[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
