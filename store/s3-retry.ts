/**
 * The S3 client's retry policy. The SDK's standard strategy shares a small retry quota across all
 * requests of a client, which a server outage in the middle of a parallel multipart upload drains
 * in seconds; artifact transfers instead retry each request on its own, with capped exponential
 * backoff, for long enough to ride out a server restart. Client errors (4xx) are not retried.
 */
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

export interface RetryPolicy {
  /** Attempts per request, the first included. Default 10. */
  maxAttempts?: number;
  /** Delay before the first retry, doubled each time. Default 500 ms. */
  baseDelayMs?: number;
  /** Ceiling of one delay. Default 10 s (so the default policy waits about a minute in all). */
  maxDelayMs?: number;
}

class Token implements RetryToken {
  constructor(
    private readonly count: number,
    private readonly delay: number,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return this.delay;
  }
}

export class PerRequestRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(policy: RetryPolicy = {}) {
    this.maxAttempts = policy.maxAttempts ?? 10;
    this.baseDelayMs = policy.baseDelayMs ?? 500;
    this.maxDelayMs = policy.maxDelayMs ?? 10_000;
  }

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return new Token(0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const retries = token.getRetryCount() + 1;
    if (info.errorType === 'CLIENT_ERROR' || retries >= this.maxAttempts) {
      throw info.error ?? new Error('S3 request failed');
    }
    let delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retries - 1));
    delay = delay / 2 + Math.random() * (delay / 2);
    if (info.retryAfterHint) delay = Math.max(delay, Math.min(this.maxDelayMs * 3, info.retryAfterHint.getTime() - Date.now()));
    return new Token(retries, Math.max(0, Math.round(delay)));
  }

  recordSuccess(): void {}
}
