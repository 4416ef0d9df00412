/**
 * `claude.batch`: many Messages requests through the Message Batches API (half price).
 *
 * Requests already in the memo are not sent. The batch id is kept in a store record keyed by the
 * invocation's idempotency key and in the heartbeat details, so a retry after a worker crash
 * resumes waiting on the same batch and never creates a second one. Results are mapped back to
 * items by custom id, memoised one by one, and written to the store as JSONL (one record per
 * request, in input order).
 */
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { PermanentError } from '../../core/errors.js';
import { hashJson } from '../../core/hash.js';
import { readJsonIfExists, writeJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';
import type { StepContext, StepImpl } from '../../engine/kind.js';
import { errorContext, missingKeyError, priceAnswer, Spending, type ClaudeRuntime } from './call.js';
import { classifyClaudeError } from './errors.js';
import { readMemo, requestKey, writeMemo } from './memo.js';
import { describeMessage, type MessageOutput } from './output.js';
import { toParams, type MessageInput, type MessageParams } from './request.js';
import type { InputOf, KindImpl } from '../define.js';
import type { batchSpec } from './specs.js';

export interface BatchRequestInput extends Partial<MessageInput> {
  /** Becomes the request's custom_id when it is a valid one ([A-Za-z0-9_-]{1,64}). */
  customId?: string;
  id?: string | number;
}

export type BatchInput = InputOf<typeof batchSpec>;

export interface BatchItemRecord {
  index: number;
  customId: string;
  status: 'succeeded' | 'errored' | 'canceled' | 'expired';
  outputs?: MessageOutput;
  error?: { type: string; message: string };
}

export interface BatchOutput {
  /** URI of the JSONL results (BatchItemRecord per line, in input order). */
  results: string;
  count: number;
  succeeded: number;
  failed: number;
  /** Answered from the memo, not sent. */
  cached: number;
  batchId: string | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** What survives a crash: the batch id (and, once done, the outputs). */
interface BatchRecord {
  idempotencyKey: string;
  batchId: string | null;
  createdAt: string;
  requestCount: number;
  output?: BatchOutput;
}

interface Heartbeat {
  batchId: string | null;
  status?: string;
  counts?: MessageBatch['request_counts'];
}

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export function batchRecordKey(idempotencyKey: string): string {
  return `claude/batches/${hashJson({ idempotencyKey })}.json`;
}

async function loadRequests(store: ArtifactStore, input: BatchInput, ctx: StepContext): Promise<BatchRequestInput[]> {
  if (input.requests) return input.requests;
  const ref = input.requestsUri;
  if (!ref) throw new PermanentError('claude.batch needs "requests" (inline) or "requestsUri" (a JSONL artifact)', errorContext(ctx));
  const uri = typeof ref === 'string' ? ref : ref.uri;
  const out: BatchRequestInput[] = [];
  let n = 0;
  for await (const line of readline.createInterface({ input: await store.open(uri), crlfDelay: Infinity })) {
    n++;
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as BatchRequestInput);
    } catch {
      throw new PermanentError(`claude.batch: line ${n} of ${uri} is not valid JSON`, { ...errorContext(ctx), artifact: uri });
    }
  }
  return out;
}

function customIds(requests: BatchRequestInput[]): string[] {
  const used = new Set<string>();
  return requests.map((r, i) => {
    const wanted = r.customId ?? (r.id !== undefined ? String(r.id) : undefined);
    let id = wanted !== undefined && CUSTOM_ID.test(wanted) && !used.has(wanted) ? wanted : `item-${i}`;
    while (used.has(id)) id = `${id}_`.slice(-64);
    used.add(id);
    return id;
  });
}

async function waitForEnd(rt: ClaudeRuntime, ctx: StepContext, batchId: string, input: BatchInput): Promise<MessageBatch> {
  let wait = input.pollIntervalMs ?? 30_000;
  const maxWait = input.maxPollIntervalMs ?? 300_000;
  for (;;) {
    let batch: MessageBatch;
    try {
      batch = await rt.client.messages.batches.retrieve(batchId, {}, { signal: ctx.signal });
    } catch (err) {
      throw classifyClaudeError(err, { context: errorContext(ctx), secrets: rt.secrets, timeoutMs: rt.timeoutMs }, ctx.signal);
    }
    ctx.heartbeat({ batchId, status: batch.processing_status, counts: batch.request_counts } satisfies Heartbeat);
    if (batch.processing_status === 'ended') return batch;
    try {
      await sleep(wait, undefined, { signal: ctx.signal });
    } catch (err) {
      throw classifyClaudeError(err, { context: errorContext(ctx), secrets: rt.secrets }, ctx.signal);
    }
    wait = Math.min(maxWait, Math.ceil(wait * 1.5));
  }
}

export function createBatchStep(rt: ClaudeRuntime): KindImpl<typeof batchSpec> {
  return async (input: BatchInput, ctx: StepContext): Promise<BatchOutput> => {
    const recordKey = batchRecordKey(ctx.idempotencyKey);
    const stored = await readJsonIfExists<BatchRecord>(ctx.store, recordKey);
    if (stored?.output) return stored.output;

    const requests = await loadRequests(ctx.store, input, ctx);
    if (requests.length === 0) throw new PermanentError('claude.batch got no requests', errorContext(ctx));
    const ids = customIds(requests);
    const params: MessageParams[] = requests.map((r, i) => {
      const { customId: _c, id: _i, ...fields } = r;
      const merged = { ...input.defaults, ...fields } as MessageInput;
      if (!merged.model) throw new PermanentError(`claude.batch: request ${i} has no model (set it, or defaults.model)`, errorContext(ctx));
      return toParams(merged, { ...errorContext(ctx), item: i });
    });
    const keys = params.map((p) => requestKey(p));

    const records: Array<BatchItemRecord | undefined> = Array.from({ length: requests.length }, () => undefined);
    let cachedCount = 0;
    if (ctx.cache) {
      for (let i = 0; i < requests.length; i++) {
        const hit = await readMemo(ctx.store, keys[i]!);
        if (!hit) continue;
        cachedCount++;
        records[i] = {
          index: i,
          customId: ids[i]!,
          status: 'succeeded',
          outputs: describeMessage(hit.message, { costUsd: 0, requestId: hit.requestId, cached: true, ...(input.language ? { language: input.language } : {}) }),
        };
      }
    }
    const pending = records.flatMap((r, i) => (r ? [] : [i]));

    let batchId = ctx.lastHeartbeat<Heartbeat>()?.batchId ?? stored?.batchId ?? null;
    if (batchId === null && pending.length > 0) {
      new Spending(ctx).check(`a batch of ${pending.length} requests`);
      if (!rt.credentialsPresent) throw missingKeyError(ctx);
      let created: MessageBatch;
      try {
        created = await rt.client.messages.batches.create(
          { requests: pending.map((i) => ({ custom_id: ids[i]!, params: params[i]! })) },
          { signal: ctx.signal },
        );
      } catch (err) {
        throw classifyClaudeError(err, { context: errorContext(ctx), secrets: rt.secrets, timeoutMs: rt.timeoutMs }, ctx.signal);
      }
      batchId = created.id;
      // Record the id before anything else can fail, so no retry creates a second batch.
      ctx.heartbeat({ batchId, status: created.processing_status } satisfies Heartbeat);
      await writeJson(ctx.store, recordKey, { idempotencyKey: ctx.idempotencyKey, batchId, createdAt: new Date().toISOString(), requestCount: pending.length } satisfies BatchRecord);
      ctx.log.info(`created Claude message batch ${batchId} with ${pending.length} requests`, { batchId });
    }

    let costUsd = 0;
    let inputTokens = 0;
    let outputTokens = 0;
    let paid = 0;
    if (batchId !== null) {
      await waitForEnd(rt, ctx, batchId, input);
      const indexOf = new Map(ids.map((id, i) => [id, i]));
      try {
        for await (const row of await rt.client.messages.batches.results(batchId, {}, { signal: ctx.signal })) {
          const i = indexOf.get(row.custom_id);
          if (i === undefined || records[i]) continue;
          const result = row.result;
          if (result.type !== 'succeeded') {
            const error = result.type === 'errored' ? { type: result.error.error.type, message: result.error.error.message } : { type: result.type, message: `request ${result.type}` };
            records[i] = { index: i, customId: row.custom_id, status: result.type, error };
            continue;
          }
          const message = result.message;
          const cost = priceAnswer(rt, ctx, message.model || params[i]!.model, message.usage, true);
          costUsd += cost;
          inputTokens += message.usage.input_tokens;
          outputTokens += message.usage.output_tokens;
          paid++;
          if (ctx.cache) {
            await writeMemo(ctx.store, { key: keys[i]!, message, requestId: null, costUsd: cost, batch: true, createdAt: new Date().toISOString() });
          }
          records[i] = {
            index: i,
            customId: row.custom_id,
            status: 'succeeded',
            outputs: describeMessage(message, { costUsd: cost, requestId: null, cached: false, ...(input.language ? { language: input.language } : {}) }),
          };
        }
      } catch (err) {
        throw classifyClaudeError(err, { context: errorContext(ctx), secrets: rt.secrets, timeoutMs: rt.timeoutMs }, ctx.signal);
      }
    }
    const lines = records.map(
      (r, i) => r ?? ({ index: i, customId: ids[i]!, status: 'expired', error: { type: 'missing', message: `no result for custom_id ${ids[i]} in batch ${batchId}` } } satisfies BatchItemRecord),
    );
    const ref = await ctx.store.putContent(lines.map((l) => JSON.stringify(l)).join('\n') + '\n', { mediaType: 'application/x-ndjson', run: ctx.runId, step: ctx.stepId });
    const succeeded = lines.filter((l) => l.status === 'succeeded').length;
    const output: BatchOutput = {
      results: ref.uri,
      count: lines.length,
      succeeded,
      failed: lines.length - succeeded,
      cached: cachedCount,
      batchId,
      costUsd,
      inputTokens,
      outputTokens,
    };
    if (paid > 0) ctx.reportUsage({ requests: paid, inputTokens, outputTokens, costUsd });
    await writeJson(ctx.store, recordKey, { idempotencyKey: ctx.idempotencyKey, batchId, createdAt: stored?.createdAt ?? new Date().toISOString(), requestCount: pending.length, output } satisfies BatchRecord);
    return output;
  };
}
