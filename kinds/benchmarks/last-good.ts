/**
 * Nightly retraining state in the store, under `models/<name>/`:
 * - `last-good.json`: `{ model, passAt1, runId, updatedAt, seen }`, the newest model that was not
 *   worse than the model it started from, and the URI of the dataset of task ids used so far;
 * - `history.jsonl`-style records are not kept: each promotion's record is also a content blob.
 *
 * `benchmarks.last_good` reads it (a first run gets the `initialModel` and no seen tasks);
 * `benchmarks.promote` records a finished run: the seen tasks always grow; the model pointer moves
 * only when the new model's pass@1 on the run's test split is at least the starting model's.
 */
import { ArtifactNotFoundError, PermanentError } from '../../core/errors.js';
import { writeRecords } from '../data/records.js';
import type { StepContext } from '../../engine/kind.js';
import { allRows } from './rows.js';
import type { InputOf, KindImpl } from '../define.js';
import type { lastGoodSpec, promoteSpec } from './specs.js';

export interface LastGood {
  model: string;
  passAt1: number | null;
  runId: string | null;
  updatedAt: string | null;
  /** URI of a JSONL dataset of `{id}` records: tasks earlier runs used; '' when none. */
  seen: string;
  promotions: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function pointerKey(name: string): string {
  if (!NAME.test(name)) throw new PermanentError(`model name "${name}" must be letters, digits, ".", "_" or "-"`);
  return `models/${name}/last-good.json`;
}

async function readPointer(ctx: StepContext, name: string): Promise<LastGood | undefined> {
  try {
    return JSON.parse((await ctx.store.read(pointerKey(name))).toString()) as LastGood;
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) return undefined;
    throw err;
  }
}

export const lastGood: KindImpl<typeof lastGoodSpec> = async (input, ctx) => {
  const p = await readPointer(ctx, input.name);
  return { model: p?.model ?? input.initialModel, passAt1: p?.passAt1 ?? null, seen: p?.seen ?? '', promotions: p?.promotions ?? 0, first: p === undefined };
};

export type PromoteInput = InputOf<typeof promoteSpec>;

export const promote: KindImpl<typeof promoteSpec> = async (input, ctx) => {
  const before = await readPointer(ctx, input.name);
  const ids = new Set<string>();
  if (before?.seen) for (const r of await allRows<{ id: unknown }>(ctx.store, before.seen)) ids.add(String(r.id));
  const seenBefore = ids.size;
  for (const r of await allRows<{ id: unknown }>(ctx.store, input.tasks)) ids.add(String(r.id));
  const seen = (await writeRecords(ctx.store, [...ids].map((id) => ({ id })), { run: ctx.runId, step: ctx.stepId })).ref.uri;
  const better = input.passAt1 !== null && (input.startPassAt1 === null || input.passAt1 >= input.startPassAt1);
  const next: LastGood = better
    ? { model: input.model, passAt1: input.passAt1, runId: ctx.runId, updatedAt: new Date().toISOString(), seen, promotions: (before?.promotions ?? 0) + 1 }
    : { model: before?.model ?? '', passAt1: before?.passAt1 ?? null, runId: before?.runId ?? null, updatedAt: before?.updatedAt ?? null, seen, promotions: before?.promotions ?? 0 };
  if (!better && !before) next.model = '';
  await ctx.store.put(pointerKey(input.name), JSON.stringify(next, null, 2), { mediaType: 'application/json', run: ctx.runId, step: ctx.stepId });
  return { promoted: better, model: next.model, seen, seenTasks: ids.size, newTasks: ids.size - seenBefore, pointer: ctx.store.uriOf(pointerKey(input.name)) };
};
