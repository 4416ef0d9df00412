/**
 * Which fault (if any) the next messages request gets: first the scripted queue, then a seeded
 * random draw at the configured failure rate.
 */
import type { Fault } from './types.js';
import { seededRandom } from '../core/seeded-random.js';

/** Ready-made faults. */
export const faults = {
  rateLimit: (retryAfterSeconds: number | string = 1): Fault => ({ kind: 'status', status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit', retryAfter: retryAfterSeconds }),
  rateLimitMs: (retryAfterMs: number): Fault => ({ kind: 'status', status: 429, type: 'rate_limit_error', message: 'Rate limited', retryAfterMs }),
  spendLimit: (): Fault => ({
    kind: 'status',
    status: 429,
    type: 'rate_limit_error',
    message: 'You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.',
    errorCode: 'enforced_spend_limit_reached',
  }),
  overloaded: (): Fault => ({ kind: 'status', status: 529, type: 'overloaded_error', message: 'Overloaded' }),
  serverError: (status = 500): Fault => ({ kind: 'status', status, type: 'api_error', message: 'Internal server error' }),
  badRequest: (message = 'max_tokens: Field required'): Fault => ({ kind: 'status', status: 400, type: 'invalid_request_error', message }),
  forbidden: (): Fault => ({ kind: 'status', status: 403, type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' }),
  tooLarge: (): Fault => ({ kind: 'status', status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' }),
  drop: (when: 'before-headers' | 'mid-body' = 'before-headers'): Fault => ({ kind: 'drop', when }),
  slow: (ms: number): Fault => ({ kind: 'slow', ms }),
  truncate: (): Fault => ({ kind: 'truncate' }),
  streamError: (type = 'overloaded_error'): Fault => ({ kind: 'stream-error', type, message: 'Overloaded' }),
};

export const DEFAULT_FAILURE_FAULTS: Fault[] = [faults.rateLimit(0), faults.overloaded(), faults.serverError(), faults.drop()];

export class FaultPlan {
  private readonly queue: Fault[] = [];
  private random: () => number;
  failureRate: number;
  failureFaults: Fault[];

  constructor(opts: { failureRate?: number; failureFaults?: Fault[]; seed?: number } = {}) {
    this.failureRate = opts.failureRate ?? 0;
    this.failureFaults = opts.failureFaults ?? DEFAULT_FAILURE_FAULTS;
    this.random = seededRandom(opts.seed ?? 1);
  }

  /** The next requests get these faults, in order (then the random draw resumes). */
  enqueue(...items: Fault[]): void {
    this.queue.push(...items);
  }

  clear(): void {
    this.queue.length = 0;
    this.failureRate = 0;
  }

  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  next(): Fault | undefined {
    const scripted = this.queue.shift();
    if (scripted) return scripted;
    if (this.failureRate <= 0 || this.failureFaults.length === 0) return undefined;
    if (this.random() >= this.failureRate) return undefined;
    return this.failureFaults[Math.floor(this.random() * this.failureFaults.length)];
  }
}
