/** Finding and reading the step logs a run keeps in the store (activities/runtime/step-log.ts). */
import { runKeys } from '../activities/runtime/keys.js';
import type { ArtifactStore } from '../store/types.js';

export interface LogFile {
  key: string;
  stepId: string;
  /** Undefined for a single step. */
  item?: number;
  attempt: number;
}

const LOG_FILE = /\/logs\/(step|item-(\d+))\/a(\d+)\.log$/;

/** The run's log files, for one step (and item) or all, ordered by step, item and attempt. */
export async function findLogs(store: ArtifactStore, runKey: string, stepIds: readonly string[], filter: { step?: string; item?: number }): Promise<LogFile[]> {
  const files: LogFile[] = [];
  for (const stepId of filter.step !== undefined ? [filter.step] : stepIds) {
    for await (const key of store.list(runKeys.stepLogs(runKey, stepId))) {
      const m = LOG_FILE.exec(key);
      if (!m) continue;
      const item = m[2] !== undefined ? Number(m[2]) : undefined;
      if (filter.item !== undefined && item !== filter.item) continue;
      files.push({ key, stepId, ...(item !== undefined ? { item } : {}), attempt: Number(m[3]) });
    }
  }
  const order = new Map(stepIds.map((id, i) => [id, i]));
  return files.sort((a, b) => (order.get(a.stepId) ?? 0) - (order.get(b.stepId) ?? 0) || (a.item ?? -1) - (b.item ?? -1) || a.attempt - b.attempt);
}

export function describeLog(f: LogFile): string {
  return `${f.stepId}${f.item !== undefined ? ` item ${f.item}` : ''} attempt ${f.attempt}`;
}

