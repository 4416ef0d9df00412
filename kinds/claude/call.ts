/**
 * One memoised Messages API call: look in the store, check the budget, make exactly one request
 * (streamed or not), classify failures, price the answer, report usage, store the answer.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import type { MessageParams } from './request.js';
import { BudgetExceeded, type ErrorContext } from '../../core/errors.js';
import type { StepContext } from '../../engine/kind.js';
import { ClaudeAuthError, ClaudeConnectionError, ClaudeInvalidAnswerError, classifyClaudeError } from './errors.js';
import { readMemo, requestKey, writeMemo } from './memo.js';
import { costUsd, priceFor, type PriceTable } from './pricing.js';
import { countClaude } from '../../activities/telemetry/metrics.js';

/** What the Claude steps share: built once per worker by `createClaudeSteps`. */
export interface ClaudeRuntime {
  client: Anthropic;
  prices: PriceTable;
  /** Strings scrubbed from every message (the API key). */
  secrets: string[];
  timeoutMs: number;
  /** False when no key is configured and no custom base URL is set: calls fail at once. */
  credentialsPresent: boolean;
}

export interface CallResult {
  message: Message;
  requestId: string | null;
  costUsd: number;
  cached: boolean;
  batch: boolean;
}

export function errorContext(ctx: StepContext): ErrorContext {
  return { step: ctx.stepId, ...(ctx.itemIndex !== undefined ? { item: ctx.itemIndex } : {}) };
}

/** Dollars an activity may still spend: the step's remaining budget minus what this attempt spent. */
export class Spending {
  spent = 0;
  constructor(private readonly ctx: StepContext) {}

  check(what: string): void {
    const budget = this.ctx.budgetRemainingUsd;
    if (budget === undefined) return;
    if (budget - this.spent <= 0) {
      throw new BudgetExceeded(
        `budget spent: ${what} was not sent because the step's Claude budget is used up ($${(this.ctx.budgetRemainingUsd ?? 0).toFixed(4)} remained at the start of this attempt, $${this.spent.toFixed(4)} spent since). Raise "budget" in the pipeline to continue; answers already paid for stay memoised`,
        errorContext(this.ctx),
      );
    }
  }

  add(usd: number): void {
    this.spent += usd;
  }
}

export function missingKeyError(ctx: StepContext): ClaudeAuthError {
  return new ClaudeAuthError(
    "no Anthropic API key in the worker's environment: set ANTHROPIC_API_KEY for the workers of the claude queue (or ANTHROPIC_BASE_URL to a local Anthropic-compatible server)",
    errorContext(ctx),
  );
}

const warnedModels = new Set<string>();

/** The dollars of an answer that was paid for; counts it in the worker's metrics. */
export function priceAnswer(rt: ClaudeRuntime, ctx: StepContext, model: string, usage: Message['usage'], batch: boolean): number {
  const { known } = priceFor(rt.prices, model);
  if (!known && !warnedModels.has(model)) {
    warnedModels.add(model);
    ctx.log.warn(`no price for Claude model ${model}: costing it at the fallback price; add it to REPAIRITY_CLAUDE_PRICES`, { model });
  }
  const cost = costUsd(rt.prices, model, usage, { batch });
  countClaude(model, batch ? 'batch' : 'message', { requests: 1, inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, costUsd: cost });
  return cost;
}

export interface CallOptions {
  stream: boolean;
  spend: Spending;
  /** Rejects an answer that cannot be used (it is paid for, but not memoised, and the attempt fails as retryable). */
  validate?: (message: Message) => string | undefined;
  what?: string;
}

export async function callClaude(rt: ClaudeRuntime, ctx: StepContext, params: MessageParams, opts: CallOptions): Promise<CallResult> {
  const key = requestKey(params);
  if (ctx.cache) {
    const hit = await readMemo(ctx.store, key);
    if (hit && !opts.validate?.(hit.message)) {
      return { message: hit.message, requestId: hit.requestId, costUsd: hit.costUsd, cached: true, batch: hit.batch };
    }
  }
  opts.spend.check(opts.what ?? `a request to ${params.model}`);
  if (!rt.credentialsPresent) throw missingKeyError(ctx);
  let message: Message;
  let requestId: string | null;
  try {
    if (opts.stream) {
      const stream = rt.client.messages.stream(params, { signal: ctx.signal });
      message = await stream.finalMessage();
      requestId = stream.request_id ?? null;
    } else {
      const { data, request_id } = await rt.client.messages.create({ ...params, stream: false }, { signal: ctx.signal }).withResponse();
      message = data;
      requestId = request_id ?? null;
    }
  } catch (err) {
    throw classifyClaudeError(err, { context: errorContext(ctx), model: params.model, secrets: rt.secrets, timeoutMs: rt.timeoutMs }, ctx.signal);
  }
  if (message.stop_reason === null) {
    // A stream that ended before message_delta/message_stop: the SDK hands back what it had.
    throw new ClaudeConnectionError(`Claude's streamed answer ended before it was complete${requestId ? ` (request-id ${requestId})` : ''}; will retry`, errorContext(ctx));
  }
  const cost = priceAnswer(rt, ctx, message.model || params.model, message.usage, false);
  ctx.record?.('claude', `request-id ${requestId ?? 'unknown'} ${message.model || params.model} ${message.usage.input_tokens}+${message.usage.output_tokens} tokens stop ${message.stop_reason}`);
  ctx.reportUsage({ requests: 1, inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens, costUsd: cost });
  opts.spend.add(cost);
  const problem = opts.validate?.(message);
  if (problem) {
    throw new ClaudeInvalidAnswerError(`Claude's answer could not be used${requestId ? ` (request-id ${requestId})` : ''}: ${problem}; will ask again`, errorContext(ctx));
  }
  if (ctx.cache) {
    const record = { key, message, requestId, costUsd: cost, batch: false, createdAt: new Date().toISOString() };
    const memo = () => writeMemo(ctx.store, record);
    // The answer is in hand: the next request need not wait for the memo to reach the store.
    if (ctx.afterward) ctx.afterward(memo);
    else await memo();
  }
  return { message, requestId, costUsd: cost, cached: false, batch: false };
}
