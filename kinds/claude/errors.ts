/**
 * Turns what the Anthropic SDK throws into the project's error classes: transient failures
 * (rate limits, overload, 5xx, timeouts, dropped connections) for Temporal to retry with backoff,
 * permanent ones (bad request, bad key, unknown model, spend limit) to fail at once with what to
 * fix. Messages never contain the API key.
 */
import Anthropic from '@anthropic-ai/sdk';
import { PermanentError, TransientError, type ErrorContext } from '../../core/errors.js';

export class ClaudeRateLimitError extends TransientError {}
export class ClaudeOverloadedError extends TransientError {}
export class ClaudeServerError extends TransientError {}
export class ClaudeConnectionError extends TransientError {}
export class ClaudeTimeoutError extends TransientError {}
/** The answer came back but could not be used (e.g. a judge ranking that is not a permutation). */
export class ClaudeInvalidAnswerError extends TransientError {}

export class ClaudeAuthError extends PermanentError {}
export class ClaudeRequestError extends PermanentError {}
export class ClaudeModelNotFoundError extends PermanentError {}
export class ClaudeSpendLimitError extends PermanentError {}

const SECRET_PATTERNS = [/sk-ant-[A-Za-z0-9_-]{6,}/g, /(x-api-key["':=\s]+)[^\s"',}]+/gi, /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g];

/** Removes the API key (and anything shaped like an Anthropic key or auth header) from text. */
export function scrub(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(SECRET_PATTERNS[0]!, 'sk-ant-[redacted]');
  out = out.replace(SECRET_PATTERNS[1]!, '$1[redacted]');
  out = out.replace(SECRET_PATTERNS[2]!, '$1[redacted]');
  return out;
}

/** Milliseconds to wait, from `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined | null, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.round(n);
  }
  const after = headers.get('retry-after');
  if (after !== null && after.trim() !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/**
 * For a 429 without retry-after: the latest `anthropic-ratelimit-<limit>-reset` (RFC 3339) among
 * the limits whose `-remaining` is 0.
 */
export function rateLimitResetMs(headers: Headers | undefined | null, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  let latest: number | undefined;
  for (const [name, value] of headers.entries()) {
    const m = /^anthropic-ratelimit-(.+)-remaining$/.exec(name);
    if (!m || Number(value) !== 0) continue;
    const reset = Date.parse(headers.get(`anthropic-ratelimit-${m[1]}-reset`) ?? '');
    if (!Number.isNaN(reset)) latest = Math.max(latest ?? 0, reset - now);
  }
  return latest === undefined ? undefined : Math.max(0, Math.round(latest));
}

const SPEND_CODES = /spend_limit|billing|credit|quota/i;
const SPEND_WORDS = /spend limit|usage limit|credit balance|billing|regain access on/i;

function isSpendLimit(err: InstanceType<typeof Anthropic.APIError>): boolean {
  if (err.errorCode && SPEND_CODES.test(err.errorCode)) return true;
  if (err.type === 'billing_error') return true;
  return SPEND_WORDS.test(err.apiMessage ?? '') && retryAfterMs(err.headers) === undefined;
}

export interface ClassifyOptions {
  context: ErrorContext;
  model?: string;
  /** Secrets to scrub from messages (the API key). */
  secrets: readonly (string | undefined)[];
  /** The request timeout, for the message. */
  timeoutMs?: number;
}

/**
 * Classifies an error from the SDK. `signal`, when aborted, means the activity was cancelled:
 * its reason is rethrown untouched so Temporal sees the cancellation.
 */
export function classifyClaudeError(err: unknown, opts: ClassifyOptions, signal?: AbortSignal): Error {
  if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new Error('cancelled');
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const ctx = opts.context;
  const s = (text: string): string => scrub(text, opts.secrets);
  if (err instanceof Anthropic.APIConnectionTimeoutError) {
    return new ClaudeTimeoutError(s(`Claude request timed out${opts.timeoutMs ? ` after ${opts.timeoutMs} ms` : ''}; will retry (raise ${'REPAIRITY_CLAUDE_TIMEOUT_MS'} if long answers are expected)`), ctx);
  }
  if (err instanceof Anthropic.APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return new ClaudeConnectionError(s(`connection to the Claude API failed${cause}; will retry`), ctx);
  }
  if (err instanceof Anthropic.APIError) {
    const status = err.status;
    const detail = s(err.apiMessage ?? err.message);
    const rid = err.requestID ? ` (request-id ${err.requestID})` : '';
    const wait = retryAfterMs(err.headers);
    const transient = (Cls: typeof TransientError, what: string): TransientError =>
      new Cls(`${what}${rid}: ${detail}; will retry${wait !== undefined ? ` after ${wait} ms (retry-after)` : ' with backoff'}`, ctx, wait !== undefined ? { retryAfterMs: wait } : {});
    if (status === undefined) {
      // An `error` event inside a 200 SSE stream.
      if (err.type === 'overloaded_error') return transient(ClaudeOverloadedError, 'Claude API overloaded mid-stream');
      if (err.type === 'rate_limit_error') return transient(ClaudeRateLimitError, 'Claude API rate limit mid-stream');
      if (err.type === 'invalid_request_error') return new ClaudeRequestError(`Claude rejected the request mid-stream${rid}: ${detail}`, ctx);
      return transient(ClaudeServerError, `Claude API error mid-stream (${err.type ?? 'unknown'})`);
    }
    if (status === 429) {
      if (isSpendLimit(err)) {
        return new ClaudeSpendLimitError(
          `Claude API spend limit reached${rid}: ${detail}. Not retried: waiting cannot help until the limit is raised (Anthropic Console > Limits) or the billing period resets`,
          ctx,
        );
      }
      const reset = wait === undefined ? rateLimitResetMs(err.headers) : undefined;
      if (reset !== undefined) {
        return new ClaudeRateLimitError(`Claude API rate limit (429)${rid}: ${detail}; will retry after ${reset} ms (rate limit reset)`, ctx, { retryAfterMs: reset });
      }
      return transient(ClaudeRateLimitError, 'Claude API rate limit (429)');
    }
    if (status === 529) return transient(ClaudeOverloadedError, 'Claude API overloaded (529)');
    if (status >= 500 || status === 408 || status === 409) return transient(ClaudeServerError, `Claude API error ${status}`);
    if (status === 401) {
      return new ClaudeAuthError(`the Claude API rejected the API key (401 ${err.type ?? 'authentication_error'})${rid}: ${detail}. Set ANTHROPIC_API_KEY in the worker's environment to a valid key`, ctx);
    }
    if (status === 402) return new ClaudeSpendLimitError(`Claude API billing problem (402)${rid}: ${detail}. Check the organization's billing in the Anthropic Console`, ctx);
    if (status === 403) return new ClaudeAuthError(`the API key may not use this resource (403)${rid}: ${detail}. Check the key's workspace and model access`, ctx);
    if (status === 404) {
      return new ClaudeModelNotFoundError(`not found (404)${rid}: ${detail}. Check the model name${opts.model ? ` "${opts.model}"` : ''} (e.g. claude-sonnet-4-5) and that the key has access to it; a model the API no longer serves is changed in the step's \`model\`, which the Repairity pipelines set from their \`teacher_model\` param (--param teacher_model=<model>)`, ctx);
    }
    if (status === 413) return new ClaudeRequestError(`request too large (413)${rid}: ${detail}. Shorten the prompt or split the batch`, ctx);
    if (status === 400) return new ClaudeRequestError(`Claude rejected the request (400)${rid}: ${detail}. Fix the step's parameters (model, max tokens, thinking budget, messages)`, ctx);
    return new ClaudeRequestError(`Claude API error ${status}${rid}: ${detail}`, ctx);
  }
  // Anything else from the SDK while reading a body (e.g. "terminated" when the socket drops
  // mid-stream, or a stream that ended without its last event): the answer was lost.
  const message = err instanceof Error ? err.message : String(err);
  return new ClaudeConnectionError(s(`Claude response was cut off (${message}); will retry`), ctx);
}
