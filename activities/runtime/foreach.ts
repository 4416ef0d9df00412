import { Readable } from 'node:stream';
import type { Template } from '../../engine/plan.js';
import { PermanentError } from '../../core/errors.js';
import { resolveTemplate } from '../../core/expressions.js';
import { hashJson } from '../../core/hash.js';
import { readJson, readJsonIfExists, writeJson } from '../../store/json.js';
import { readJsonl } from '../../store/jsonl.js';
import type { ArtifactStore } from '../../store/types.js';
import type { ForEachContext, ForEachExpansion, ItemRecord, RecordBatch, RunIdentity, ShardRef, StepRuntime, StepScope, StepResult } from '../../engine/invocation.js';
import { runKeys, stepCacheKey } from './keys.js';

export const DEFAULT_SHARD_SIZE = 500;
/**
 * Each shard adds about 8 events to the run's history; past this many the run itself would outgrow
 * its history budget, so larger fan-outs are refused up front rather than failing halfway.
 */
export const MAX_SHARDS = 400;
const COLLECT_PIECE_CHARS = 256 * 1024;

export interface ExpandInput {
  run: RunIdentity;
  step: StepRuntime;
  items: Template;
  scope: StepScope;
  shardSize?: number;
}

function isUri(value: unknown): value is string {
  return typeof value === 'string' && /^(file|s3):\/\//.test(value);
}

/** Items come as a JSON array, or as a JSONL artifact (a URI or an ArtifactRef) read as a stream. */
async function* itemsOf(store: ArtifactStore, value: unknown, stepId: string): AsyncIterable<unknown> {
  if (Array.isArray(value)) {
    yield* value;
    return;
  }
  const uri = isUri(value) ? value : value && typeof value === 'object' && isUri((value as { uri?: unknown }).uri) ? (value as { uri: string }).uri : undefined;
  if (!uri) {
    throw new PermanentError(`step "${stepId}": forEach.items must be an array or a JSONL dataset reference, got ${JSON.stringify(value)?.slice(0, 200)}`, { step: stepId });
  }
  yield* readJsonl(store, uri);
}

/**
 * Resolves a forEach step's items, checks the step cache, and writes the items in shards to the
 * store. `code`: the kind's StepImpl.codeHash on this worker, when it has one (part of the key).
 */
export async function expandForEach(store: ArtifactStore, input: ExpandInput, code?: string): Promise<ForEachExpansion & { cacheKey?: string }> {
  const { run, step, scope } = input;
  const shardSize = input.shardSize ?? DEFAULT_SHARD_SIZE;
  let resolved: unknown;
  try {
    resolved = resolveTemplate(input.items, scope);
  } catch (err) {
    throw new PermanentError(`step "${step.stepId}": forEach.items could not be evaluated: ${(err as Error).message}`, { step: step.stepId });
  }
  const contextKey = runKeys.forEachContext(run.runId, step.stepId);
  const context: ForEachContext = { run, step, scope };
  const shards: ShardRef[] = [];
  let batch: unknown[] = [];
  let count = 0;
  const itemHashes: string[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    if (shards.length >= MAX_SHARDS) {
      throw new PermanentError(`step "${step.stepId}": forEach has more than ${MAX_SHARDS * shardSize} items, the most one step fans out over; split the dataset (data.split) and fan out over each part in its own step or sub-pipeline`, { step: step.stepId });
    }
    const key = runKeys.shard(run.runId, step.stepId, shards.length);
    const start = count - batch.length;
    await writeJson(store, key, { start, items: batch });
    itemHashes.push(hashJson(batch));
    shards.push({ key, start, count: batch.length });
    batch = [];
  };
  for await (const item of itemsOf(store, resolved, step.stepId)) {
    batch.push(item);
    count++;
    if (batch.length >= shardSize) await flush();
  }
  await flush();
  await writeJson(store, contextKey, context);

  if (!step.cache) return { count, context: contextKey, shards };
  const cacheKey = stepCacheKey(hashJson({ uses: step.uses, version: step.kindVersion, ...(code === undefined ? {} : { code }), with: step.with, scope, items: itemHashes, forEach: true }));
  const hit = step.refresh ? undefined : await readJsonIfExists<StepResult>(store, cacheKey);
  return { count, context: contextKey, shards, cacheKey, ...(hit ? { cachedOutputs: hit.outputs } : {}) };
}

export interface CollectInput {
  run: RunIdentity;
  stepId: string;
  /** The step's kind, for the step metrics (absent for sub-pipeline fan-outs and in older runs). */
  uses?: string;
  count: number;
  shards: ShardRef[];
  /** Set when the step's cache should keep the collected outputs (all items succeeded). */
  cacheKey?: string;
}

export interface ForEachOutputs {
  results: string;
  count: number;
  succeeded: number;
  failed: number;
  [key: string]: unknown;
}

export async function writeRecordBatch(store: ArtifactStore, batch: RecordBatch): Promise<void> {
  await writeJson(store, runKeys.recordBatch(batch.run.runId, batch.stepId, batch.shardStart, batch.part), batch.records);
}

async function shardRecords(store: ArtifactStore, run: RunIdentity, stepId: string, shard: ShardRef): Promise<Map<number, ItemRecord>> {
  const byIndex = new Map<number, ItemRecord>();
  for await (const key of store.list(runKeys.shardRecords(run.runId, stepId, shard.start))) {
    // Record batches of the shard workflow are arrays; chunk record files also carry their usage.
    const file = await readJson<ItemRecord[] | { records: ItemRecord[] }>(store, key);
    for (const rec of Array.isArray(file) ? file : file.records) byIndex.set(rec.index, rec);
  }
  return byIndex;
}

/** Gathers every item's record, in order, into one JSONL artifact: the step's `results`. */
export async function collectForEach(store: ArtifactStore, input: CollectInput): Promise<ForEachOutputs> {
  let succeeded = 0;
  let failed = 0;
  const { run, stepId, count } = input;
  // Lines go out in pieces of about COLLECT_PIECE_CHARS: a write per record would be a file
  // operation per item.
  async function* records(): AsyncIterable<string> {
    let piece = '';
    for (const shard of input.shards) {
      const byIndex = await shardRecords(store, run, stepId, shard);
      for (let index = shard.start; index < shard.start + shard.count; index++) {
        const rec: ItemRecord = byIndex.get(index) ?? { index, status: 'failed', error: { type: 'NoResult', message: 'the item was not run (an earlier item failed, or the budget was spent)' } };
        if (rec.status === 'succeeded') succeeded++;
        else failed++;
        piece += `${JSON.stringify(rec)}\n`;
        if (piece.length >= COLLECT_PIECE_CHARS) {
          yield piece;
          piece = '';
        }
      }
    }
    if (piece) yield piece;
  }
  const ref = await store.putContent(Readable.from(records()), { mediaType: 'application/x-ndjson', run: run.runId, step: stepId });
  const outputs: ForEachOutputs = { results: ref.uri, count, succeeded, failed };
  if (input.cacheKey && failed === 0) await writeJson(store, input.cacheKey, { outputs });
  return outputs;
}
