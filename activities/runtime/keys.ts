/** Where the engine keeps run state and cached results in the artifact store. */
import { sha256Hex } from '../../core/hash.js';

/** A workflow id made safe as one path segment (ids may hold any character). */
export function safeSegment(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return clean === id ? id : `${clean.slice(0, 80)}-${sha256Hex(id).slice(0, 12)}`;
}

export function stepPrefix(runId: string, stepId: string): string {
  return `runs/${safeSegment(runId)}/steps/${safeSegment(stepId)}`;
}

export const runKeys = {
  stepResult: (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/result.json`,
  forEachContext: (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/foreach/context.json`,
  shard: (runId: string, stepId: string, n: number) => `${stepPrefix(runId, stepId)}/foreach/shards/${String(n).padStart(6, '0')}.json`,
  /** Prefix of the record batches of the shard starting at `shardStart`. */
  shardRecords: (runId: string, stepId: string, shardStart: number) => `${stepPrefix(runId, stepId)}/foreach/records/${String(shardStart).padStart(9, '0')}/`,
  recordBatch: (runId: string, stepId: string, shardStart: number, part: number) => `${stepPrefix(runId, stepId)}/foreach/records/${String(shardStart).padStart(9, '0')}/${String(part).padStart(6, '0')}.json`,
  /** Record files of one chunk (all its attempts), inside its unit's records folder. */
  chunkRecords: (runId: string, stepId: string, recordsStart: number, chunkStart: number) => `${stepPrefix(runId, stepId)}/foreach/records/${String(recordsStart).padStart(9, '0')}/c${String(chunkStart).padStart(9, '0')}/`,
  chunkRecordFile: (runId: string, stepId: string, recordsStart: number, chunkStart: number, attempt: number, seq: number) =>
    `${runKeys.chunkRecords(runId, stepId, recordsStart, chunkStart)}a${String(attempt).padStart(4, '0')}-${String(seq).padStart(6, '0')}.json`,
  /** A step's log files (`repairity logs`): `step/` for a single step, `item-<n>/` for a forEach item, one file per attempt. */
  stepLogs: (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/logs/`,
  stepLog: (runId: string, stepId: string, itemIndex: number | undefined, attempt: number) =>
    `${runKeys.stepLogs(runId, stepId)}${itemIndex === undefined ? 'step' : `item-${String(itemIndex).padStart(9, '0')}`}/a${String(attempt).padStart(4, '0')}.log`,
  runRecord: (runId: string) => `runs/${safeSegment(runId)}/run.json`,
  /** What failed attempts of a single step spent (answers paid for but unusable), one file per attempt. */
  stepSpent: (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/spent/`,
  stepSpentFile: (runId: string, stepId: string, attempt: number) => `${runKeys.stepSpent(runId, stepId)}a${String(attempt).padStart(4, '0')}.json`,
};

export function stepCacheKey(hash: string): string {
  return `cache/steps/${hash.slice(0, 2)}/${hash}.json`;
}
