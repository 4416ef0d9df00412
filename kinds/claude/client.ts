/**
 * Builds the Anthropic client from injected settings. The SDK's own retries are off
 * (`maxRetries: 0`): one activity attempt is one HTTP request, and Temporal owns the retries.
 */
import Anthropic from '@anthropic-ai/sdk';

export interface ClaudeClientOptions {
  /** Absent: every call fails at once asking for ANTHROPIC_API_KEY (unless `baseURL` is a local server). */
  apiKey?: string;
  /** Default https://api.anthropic.com. */
  baseURL?: string;
  /** Per-request timeout in ms. Default 600000 (10 min). */
  timeoutMs?: number;
}

/** Key sent to a custom `baseURL` (a local test server) when no key is configured. */
export const LOCAL_PLACEHOLDER_KEY = 'local-test-server';

export function createAnthropicClient(opts: ClaudeClientOptions): Anthropic {
  return new Anthropic({
    // Always explicit, so the SDK never falls back to its environment or credential-file chain.
    apiKey: opts.apiKey ?? (opts.baseURL ? LOCAL_PLACEHOLDER_KEY : null),
    authToken: null,
    baseURL: opts.baseURL ?? 'https://api.anthropic.com',
    maxRetries: 0,
    timeout: opts.timeoutMs ?? 600_000,
    logLevel: 'off',
  });
}
