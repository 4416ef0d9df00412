import { Readable } from 'node:stream';
import type { Template } from '../../engine/plan.js';
import { PermanentError } from '../../core/errors.js';
import { resolveTemplate } from '../../core/expressions.js';
import { hashJson } from '../../core/hash.js';
import { readJson, readJsonIfExists, writeJson } from '../../store/json.js';
import { readJsonl } from '../../store/jsonl.js';
import type { ArtifactStore } from '../../store/types.js';
import type { BatchRecords, ForEachContext, ForEachExpansion, ItemRecord, RunIdentity, StepRuntime, StepScope, StepResult } from '../../engine/invocation.js';
import { MAX_BATCH_SIZE, MAX_BATCHES, batchSize, batchesAtOnce, batchesOf, fitsInHistory, sizeKnownAfter, type BatchRef } from '../../engine/fanout.js';
import { zeroUsage, type Usage } from '../../engine/usage.js';
import { runKeys, stepCacheKey } from './keys.js';

const COLLECT_PIECE_CHARS = 256 * 1024;
/** Batch files written, or batches' records read, at once. */
const WRITES_AT_ONCE = 8;
const READS_AHEAD = 4;

export interface ExpandInput {
  run: RunIdentity;
  step: StepRuntime;
  items: Template;
  scope: StepScope;
  /** The step's forEach concurrency: it decides how many batches run at once, hence their size. */
  concurrency: number;
}

/** A batch's record file: finished items and what they cost. */
export interface BatchRecordFile {
  records: ItemRecord[];
  usage: Usage;
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
 * Resolves a forEach step's items, checks the step cache, and cuts the items into batches
 * (engine/fanout.ts). A small fan-out is returned whole, to travel in the run's history
 * (INLINE_EXPANSION_CHARS); a larger one is written to the store, batch by batch, as the items are
 * read. The batch size depends on the count, so the first items are held until it is known.
 * `code`: the kind's StepImpl.codeHash on this worker, when it has one (part of the key).
 */
export async function expandForEach(store: ArtifactStore, input: ExpandInput, code?: string): Promise<ForEachExpansion & { cacheKey?: string }> {
  const { run, step, scope } = input;
  let resolved: unknown;
  try {
    resolved = resolveTemplate(input.items, scope);
  } catch (err) {
    throw new PermanentError(`step "${step.stepId}": forEach.items could not be evaluated: ${(err as Error).message}`, { step: step.stepId });
  }
  const context: ForEachContext = { run, step, scope };
  const contextChars = JSON.stringify(context).length;
  const atOnce = batchesAtOnce(input.concurrency);
  const batches: BatchRef[] = [];
  const held: unknown[] = [];
  let count = 0;
  let size: number | undefined;
  // The JSON of the items so far, while the fan-out may still travel in history.
  let itemChars: number | undefined = 0;
  const inlineAt = (batchCount: number): boolean => itemChars !== undefined && fitsInHistory(itemChars, contextChars, batchCount);
  const itemHashes: string[] = [];
  const cut = (items: unknown[]): BatchRef => {
    if (batches.length >= MAX_BATCHES) {
      throw new PermanentError(`step "${step.stepId}": forEach has more than ${MAX_BATCHES * MAX_BATCH_SIZE} items, the most one step fans out over; split the dataset (data.split) and fan out over each part in its own step or sub-pipeline`, { step: step.stepId });
    }
    const batch = { start: batches.length === 0 ? 0 : batches.at(-1)!.start + batches.at(-1)!.count, count: items.length };
    if (step.cache) itemHashes.push(hashJson(items));
    batches.push(batch);
    return batch;
  };
  // A few batch files are written at once (each is several file operations, or a request).
  const writing = new Set<Promise<unknown>>();
  const settle = async (most: number): Promise<void> => {
    while (writing.size > most) await Promise.race(writing);
  };
  const write = async (items: unknown[]): Promise<void> => {
    const batch = cut(items);
    const written: Promise<unknown> = writeJson(store, runKeys.batchItems(run.runId, step.stepId, batch.start), { start: batch.start, items });
    // Settled ones leave the set; a failure is thrown by `settle` (or the last Promise.all).
    writing.add(written);
    void written.then(() => writing.delete(written), () => undefined);
    await settle(WRITES_AT_ONCE - 1);
  };
  const writeFull = async (): Promise<void> => {
    while (size !== undefined && held.length >= size) await write(held.splice(0, size));
  };
  for await (const item of itemsOf(store, resolved, step.stepId)) {
    held.push(item);
    count++;
    if (size === undefined && count >= sizeKnownAfter(atOnce)) size = MAX_BATCH_SIZE;
    if (itemChars !== undefined) {
      itemChars += (JSON.stringify(item)?.length ?? 4) + 1;
      if (!inlineAt(0)) itemChars = undefined;
    }
    if (itemChars === undefined) await writeFull();
  }
  size ??= batchSize(count, atOnce);
  let expansion: ForEachExpansion;
  if (inlineAt(Math.ceil(count / size))) {
    // Cut as the workflow cuts a literal list (workflows/foreach-step.ts).
    const items = batchesOf(count, atOnce).map((b) => held.slice(b.start, b.start + b.count));
    for (const part of items) cut(part);
    expansion = { count, context, batches, items };
  } else {
    await writeFull();
    if (held.length > 0) await write(held.splice(0));
    const contextKey = runKeys.forEachContext(run.runId, step.stepId);
    await Promise.all([...writing, writeJson(store, contextKey, context)]);
    expansion = { count, context: contextKey, batches };
  }

  if (!step.cache) return expansion;
  const cacheKey = stepCacheKey(hashJson({ uses: step.uses, version: step.kindVersion, ...(code === undefined ? {} : { code }), with: step.with, scope, items: itemHashes, forEach: true }));
  const hit = step.refresh ? undefined : await readJsonIfExists<StepResult>(store, cacheKey);
  if (!hit) return { ...expansion, cacheKey };
  // A hit runs no batch: its items need not travel.
  const { items: _items, ...rest } = expansion;
  return { ...rest, cacheKey, cachedOutputs: hit.outputs };
}

export interface CollectInput {
  run: RunIdentity;
  stepId: string;
  /** The step's kind, for the step metrics (absent for sub-pipeline fan-outs). */
  uses?: string;
  count: number;
  batches: BatchRef[];
  /** Set when the step's cache should keep the collected outputs (all items succeeded). */
  cacheKey?: string;
  /**
   * Set when the workflow cut the step's items itself (no expandForEach, which counts a step as
   * started): the step is counted as started when it is collected.
   */
  countStarted?: boolean;
}

export interface ForEachOutputs {
  results: string;
  count: number;
  succeeded: number;
  failed: number;
  [key: string]: unknown;
}

/** Records written by the workflow itself, as one record file of their batch. */
export async function writeBatchRecords(store: ArtifactStore, input: BatchRecords): Promise<void> {
  const file: BatchRecordFile = { records: input.records, usage: zeroUsage() };
  await writeJson(store, runKeys.batchRecordFile(input.run.runId, input.stepId, input.batch.start, 1, 0), file);
}

async function batchRecords(store: ArtifactStore, run: RunIdentity, stepId: string, batch: BatchRef): Promise<Map<number, ItemRecord>> {
  const byIndex = new Map<number, ItemRecord>();
  for await (const key of store.list(runKeys.batchRecords(run.runId, stepId, batch.start))) {
    for (const rec of (await readJson<BatchRecordFile>(store, key)).records) byIndex.set(rec.index, rec);
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
    // The next batches' records are read while this one's are joined (a failed read is thrown
    // when its turn comes, never left unhandled meanwhile).
    const reads = new Map<number, Promise<Map<number, ItemRecord>>>();
    const readAhead = (k: number): void => {
      const batch = input.batches[k];
      if (!batch) return;
      const read = batchRecords(store, run, stepId, batch);
      read.catch(() => undefined);
      reads.set(k, read);
    };
    for (let k = 0; k < READS_AHEAD; k++) readAhead(k);
    for (const [k, batch] of input.batches.entries()) {
      readAhead(k + READS_AHEAD);
      const byIndex = await reads.get(k)!;
      reads.delete(k);
      for (let index = batch.start; index < batch.start + batch.count; index++) {
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
  // Results that fit in one piece (most) are written whole, without a stream.
  const pieces = records()[Symbol.asyncIterator]();
  const head = await pieces.next();
  const second = head.done ? head : await pieces.next();
  const body = second.done
    ? (head.value ?? '')
    : Readable.from(
        (async function* () {
          yield head.value;
          yield second.value;
          yield* { [Symbol.asyncIterator]: () => pieces };
        })(),
      );
  const ref = await store.putContent(body, { mediaType: 'application/x-ndjson', run: run.runId, step: stepId });
  const outputs: ForEachOutputs = { results: ref.uri, count, succeeded, failed };
  if (input.cacheKey && failed === 0) await writeJson(store, input.cacheKey, { outputs });
  return outputs;
}
