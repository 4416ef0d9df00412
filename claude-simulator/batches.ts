/**
 * Message Batches: create, retrieve, list, cancel, delete, results (JSONL), in memory.
 * A batch stays `in_progress` for `processingMs`, then ends with one result per request.
 */
import { buildMessage } from './answers.js';
import type { MessagesRequestBody, Responder } from './types.js';

export interface BatchRequest {
  custom_id: string;
  params: MessagesRequestBody;
}

type BatchResult =
  | { type: 'succeeded'; message: unknown }
  | { type: 'errored'; error: { type: 'error'; error: { type: string; message: string } } }
  | { type: 'canceled' }
  | { type: 'expired' };

interface BatchState {
  id: string;
  createdAt: number;
  requests: BatchRequest[];
  cancelRequestedAt?: number;
  endedAt?: number;
  results?: Array<{ custom_id: string; result: BatchResult }>;
}

export interface BatchOptions {
  processingMs: number;
  responder: Responder;
  /** Answers whether a request is acceptable; a message means it is errored. */
  validate: (params: MessagesRequestBody) => { type: string; message: string } | undefined;
}

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const DAY = 24 * 3600 * 1000;

export class BatchRegistry {
  private readonly batches = new Map<string, BatchState>();
  private seq = 0;

  constructor(private readonly opts: BatchOptions) {}

  /** Checks a create body; returns an error message or undefined. */
  static check(body: unknown): string | undefined {
    const requests = (body as { requests?: unknown })?.requests;
    if (!Array.isArray(requests) || requests.length === 0) return 'requests: must be a non-empty array';
    if (requests.length > 100_000) return 'requests: at most 100000 requests per batch';
    const seen = new Set<string>();
    for (const [i, r] of requests.entries()) {
      const id = (r as BatchRequest).custom_id;
      if (typeof id !== 'string' || !CUSTOM_ID.test(id)) return `requests.${i}.custom_id: must match ${CUSTOM_ID.source}`;
      if (seen.has(id)) return `requests.${i}.custom_id: duplicate custom_id ${id}`;
      seen.add(id);
      if (!(r as BatchRequest).params || typeof (r as BatchRequest).params !== 'object') return `requests.${i}.params: required`;
    }
    return undefined;
  }

  create(requests: BatchRequest[]): BatchState {
    const id = `msgbatch_test_${String(++this.seq).padStart(6, '0')}`;
    const state: BatchState = { id, createdAt: Date.now(), requests };
    this.batches.set(id, state);
    return state;
  }

  get(id: string): BatchState | undefined {
    return this.batches.get(id);
  }

  delete(id: string): boolean {
    return this.batches.delete(id);
  }

  all(): BatchState[] {
    return [...this.batches.values()];
  }

  cancel(state: BatchState): void {
    state.cancelRequestedAt ??= Date.now();
  }

  /** Ends the batch if its time has come, computing its results. */
  async advance(state: BatchState): Promise<void> {
    if (state.endedAt !== undefined) return;
    const now = Date.now();
    const canceled = state.cancelRequestedAt !== undefined;
    if (!canceled && now - state.createdAt < this.opts.processingMs) return;
    const results: Array<{ custom_id: string; result: BatchResult }> = [];
    for (const [i, r] of state.requests.entries()) {
      if (canceled) {
        results.push({ custom_id: r.custom_id, result: { type: 'canceled' } });
        continue;
      }
      const problem = this.opts.validate(r.params);
      if (problem) {
        results.push({ custom_id: r.custom_id, result: { type: 'errored', error: { type: 'error', error: problem } } });
        continue;
      }
      const answer = await this.opts.responder(r.params);
      results.push({ custom_id: r.custom_id, result: { type: 'succeeded', message: buildMessage(r.params, answer, `${state.id}_${i}`, 'batch') } });
    }
    state.results = results;
    state.endedAt = Date.now();
  }

  view(state: BatchState, baseUrl: string): Record<string, unknown> {
    const ended = state.endedAt !== undefined;
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (!ended) counts.processing = state.requests.length;
    for (const r of state.results ?? []) counts[r.result.type]++;
    return {
      id: state.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : state.cancelRequestedAt !== undefined ? 'canceling' : 'in_progress',
      request_counts: counts,
      created_at: new Date(state.createdAt).toISOString(),
      expires_at: new Date(state.createdAt + DAY).toISOString(),
      ended_at: ended ? new Date(state.endedAt!).toISOString() : null,
      cancel_initiated_at: state.cancelRequestedAt !== undefined ? new Date(state.cancelRequestedAt).toISOString() : null,
      archived_at: null,
      results_url: ended ? `${baseUrl}/v1/messages/batches/${state.id}/results` : null,
    };
  }

  resultsJsonl(state: BatchState): string {
    return (state.results ?? []).map((r) => JSON.stringify(r)).join('\n') + '\n';
  }
}
