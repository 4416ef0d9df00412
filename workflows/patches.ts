/**
 * Every patch id the workflow code has ever used, with since when and why: the one place a
 * `patched`/`deprecatePatch` call takes its id from, so an id is never reused and each branch in
 * the workflow code says what runs it keeps replaying. The rule (docs/architecture.md, "Changing
 * workflow code"): a change that alters the commands of running workflows goes in behind
 * `patched(id)` (state `patched`); once no run started before it can still be running, the old
 * branch goes and the call becomes `deprecatePatch(id)` (state `deprecated`); once no run started
 * before that can be running either, the call goes too (state `removed`; the entry stays).
 */
import * as wf from '@temporalio/workflow';

export type PatchState = 'patched' | 'deprecated' | 'removed';

export interface PatchEntry {
  /** When the patch went in (and the release, once there are releases). */
  since: string;
  why: string;
  state: PatchState;
  /** For a removed patch: when, and why no run needed it any more. */
  removed?: string;
}

const NO_DEPLOYMENT = '2026-12-06: no deployment had runs started before it; the recorded replay histories were recorded again';

export const PATCHES = {
  'foreach-chunks': { since: '2026-11-24', why: 'forEach items run in batch activities (then "chunks") instead of a child workflow per shard with an activity per item', state: 'removed', removed: NO_DEPLOYMENT },
  'engine-local-activities': { since: '2026-11-24', why: "the engine's own activities (prepare, expand, collect) run as local activities of the workflow worker, not on the cpu queue", state: 'removed', removed: NO_DEPLOYMENT },
  'budget-shares': { since: '2026-11-24', why: 'spenders running at once take shares of a budget instead of each the whole remainder', state: 'removed', removed: NO_DEPLOYMENT },
  'budget-child-resume': { since: '2026-11-24', why: 'a sub-pipeline run that spent its share runs again with a new share', state: 'removed', removed: NO_DEPLOYMENT },
  'run-spend-attribute': { since: '2026-12-06', why: 'runs keep their spend in the RepairityCostUsd search attribute', state: 'removed', removed: NO_DEPLOYMENT },
  'run-end-hooks': { since: '2026-12-06', why: "a run's end is announced (notify webhooks, experiment tracking) through a local activity", state: 'removed', removed: NO_DEPLOYMENT },
  'inline-foreach-items': { since: '2026-12-06', why: 'a small literal forEach list of an uncached step is cut into batches by the workflow and sent with them, without the expandForEach local activity', state: 'removed', removed: '2026-12-06: before any release, a query that replayed a run through its branch failed with a nondeterminism error (its patch marker after the prepare local activity); the history recorded through it was deleted' },
  'short-first-task': { since: '2026-12-07', why: "a run's first workflow task schedules its first activities without waiting on a local activity: a bound run asks its preparation with its first local activity (workflows/preparation.ts), and a small literal forEach list of an uncached step is cut into batches by the workflow, without expandForEach. Asked first in a run, before any local activity is scheduled (see inline-foreach-items)", state: 'patched' },
} as const satisfies Record<string, PatchEntry>;

type Registry = typeof PATCHES;
export type PatchedId = { [K in keyof Registry]: Registry[K]['state'] extends 'patched' ? K : never }[keyof Registry];
export type DeprecatedId = { [K in keyof Registry]: Registry[K]['state'] extends 'deprecated' ? K : never }[keyof Registry];

/** Whether this run takes the new branch of patch `id` (Temporal's `patched`). */
export function patched(id: PatchedId): boolean {
  return wf.patched(id);
}

/** Marks a patch whose old branch is gone, so runs that recorded it still replay (Temporal's `deprecatePatch`). */
export function deprecatePatch(id: DeprecatedId): void {
  wf.deprecatePatch(id);
}
