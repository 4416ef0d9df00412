/** The simulator's HTTP answers: JSON bodies, Anthropic error bodies and headers, scripted status faults. */
import type http from 'node:http';
import type { Fault } from './types.js';

/** Headers of every answer: the request id and rate-limit headers with room to spare. */
export function baseHeaders(requestId: string): Record<string, string> {
  const reset = new Date(Date.now() + 60_000).toISOString();
  return {
    'request-id': requestId,
    'anthropic-ratelimit-requests-limit': '4000',
    'anthropic-ratelimit-requests-remaining': '3999',
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-input-tokens-limit': '2000000',
    'anthropic-ratelimit-input-tokens-remaining': '1999000',
    'anthropic-ratelimit-input-tokens-reset': reset,
    'anthropic-ratelimit-output-tokens-limit': '400000',
    'anthropic-ratelimit-output-tokens-remaining': '399000',
    'anthropic-ratelimit-output-tokens-reset': reset,
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: http.ServerResponse, requestId: string, status: number, type: string, message: string, extra: { headers?: Record<string, string>; errorCode?: string } = {}): void {
  const error: Record<string, unknown> = { type, message };
  if (extra.errorCode) error.details = { error_code: extra.errorCode };
  sendJson(res, status, { type: 'error', error, request_id: requestId }, { ...baseHeaders(requestId), ...extra.headers });
}

/** A scripted error answer, with the retry and rate-limit headers the real API sends with it. */
export function statusFault(res: http.ServerResponse, requestId: string, fault: Extract<Fault, { kind: 'status' }>): void {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  const scriptsLimits = Object.keys(fault.headers ?? {}).some((h) => h.startsWith('anthropic-ratelimit-'));
  if (fault.status === 429 && !scriptsLimits) {
    // The request limit is exhausted until the retry-after (default 1 s).
    const seconds = Number(fault.retryAfter);
    const waitMs = fault.retryAfterMs ?? (Number.isFinite(seconds) ? seconds * 1000 : 1000);
    headers['anthropic-ratelimit-requests-remaining'] = '0';
    headers['anthropic-ratelimit-requests-reset'] = new Date(Date.now() + waitMs).toISOString();
  }
  Object.assign(headers, fault.headers);
  sendError(res, requestId, fault.status, fault.type ?? (fault.status >= 500 ? 'api_error' : 'invalid_request_error'), fault.message ?? `injected ${fault.status}`, {
    headers,
    ...(fault.errorCode ? { errorCode: fault.errorCode } : {}),
  });
}
