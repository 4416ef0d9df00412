/**
 * Where the engine keeps run state and cached results in the artifact store: the key layout, pure.
 * Ids may hold any character, so they pass through a `SafeSegment` (which hashes what it has to
 * change; activities/runtime/keys.ts gives it sha256) before they become one path segment.
 */

/** Turns an id into one path segment. */
export type SafeSegment = (id: string) => string;

/** `id` as is when it is a safe segment already, else cleaned and suffixed with 12 hex digits of `digest(id)`. */
export function safeSegmentWith(digest: (text: string) => string): SafeSegment {
  return (id) => {
    const clean = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
    return clean === id ? id : `${clean.slice(0, 80)}-${digest(id).slice(0, 12)}`;
  };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function storeKeys(safe: SafeSegment) {
  const stepPrefix = (runId: string, stepId: string): string => `runs/${safe(runId)}/steps/${safe(stepId)}`;
  const batch = (runId: string, stepId: string, start: number): string => `${stepPrefix(runId, stepId)}/foreach/batches/${pad(start, 9)}`;
  const runKeys = {
    stepResult: (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/result.json`,
    forEachContext: (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/foreach/context.json`,
    /** A batch's items: `{ start, items }`. */
    batchItems: (runId: string, stepId: string, start: number) => `${batch(runId, stepId, start)}/items.json`,
    /** The record files of a batch (all its attempts and runs). */
    batchRecords: (runId: string, stepId: string, start: number) => `${batch(runId, stepId, start)}/records/`,
    batchRecordFile: (runId: string, stepId: string, start: number, attempt: number, seq: number) => `${batch(runId, stepId, start)}/records/a${pad(attempt, 4)}-${pad(seq, 6)}.json`,
    /** A step's log files (`repairity logs`): `step/` for a single step, `item-<n>/` for a forEach item, one file per attempt. */
    stepLogs: (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/logs/`,
    stepLog: (runId: string, stepId: string, itemIndex: number | undefined, attempt: number) =>
      `${stepPrefix(runId, stepId)}/logs/${itemIndex === undefined ? 'step' : `item-${pad(itemIndex, 9)}`}/a${pad(attempt, 4)}.log`,
    runRecord: (runId: string) => `runs/${safe(runId)}/run.json`,
    /** What failed attempts of a single step spent (answers paid for but unusable), one file per attempt. */
    stepSpent: (runId: string, stepId: string) => `${stepPrefix(runId, stepId)}/spent/`,
    stepSpentFile: (runId: string, stepId: string, attempt: number) => `${stepPrefix(runId, stepId)}/spent/a${pad(attempt, 4)}.json`,
  };
  return { stepPrefix, runKeys };
}

/** The step cache's key of a result whose cache hash is `hash`. */
export function stepCacheKey(hash: string): string {
  return `cache/steps/${hash.slice(0, 2)}/${hash}.json`;
}
