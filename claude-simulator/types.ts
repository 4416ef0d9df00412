/**
 * Types of the Claude simulator, the local Anthropic-compatible server: the demo (its simulated
 * teacher), the tests and the benchmarks start it and point the official SDK's `baseURL` at it.
 */

/** The parts of a Messages API request body the server looks at (the rest is ignored). */
export interface MessagesRequestBody {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> }>;
  system?: string | Array<{ type: 'text'; text: string }>;
  stream?: boolean;
  stop_sequences?: string[];
  temperature?: number;
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' } | { type: 'adaptive' };
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: { type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string };
  [extra: string]: unknown;
}

/** What the server answers to one request. Every field is optional. */
export interface ScriptedAnswer {
  text?: string;
  /** A thinking block, sent only when the request enabled thinking. */
  thinking?: string;
  /** A tool_use block (answers a forced `tool_choice`). */
  toolUse?: { name: string; input: unknown };
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  usage?: { input_tokens?: number; output_tokens?: number };
  /** Extra delay for this answer, on top of the server's latency. */
  latencyMs?: number;
}

export type Responder = (request: MessagesRequestBody) => ScriptedAnswer | Promise<ScriptedAnswer>;

/** A fault the server injects instead of (or while) answering a messages request. */
export type Fault =
  /** An HTTP error with an Anthropic error body, e.g. 429 with retry-after, 529, 500. */
  | {
      kind: 'status';
      status: number;
      type?: string;
      message?: string;
      /** `retry-after` header value (seconds, or an HTTP date). */
      retryAfter?: string | number;
      /** `retry-after-ms` header value. */
      retryAfterMs?: number;
      /** `error.details.error_code`, e.g. `enforced_spend_limit_reached`. */
      errorCode?: string;
      headers?: Record<string, string>;
    }
  /** The socket is destroyed: before any response byte, or in the middle of the body. */
  | { kind: 'drop'; when?: 'before-headers' | 'mid-body' }
  /** A 200 SSE stream (or JSON body) that ends cleanly half way, without its last events. */
  | { kind: 'truncate' }
  /** Answers normally after an extra delay (drives client timeouts). */
  | { kind: 'slow'; ms: number }
  /** A 200 SSE stream that fails part way with an `error` event. */
  | { kind: 'stream-error'; type?: string; message?: string };

export interface Counter {
  requests: number;
  successes: number;
}

export interface ServerCounters {
  /** Messages requests received (including failed ones), and those answered in full. */
  requests: number;
  successes: number;
  failures: number;
  /** Per request key (by default the text of the last user message). */
  byKey: Map<string, Counter>;
  batchesCreated: number;
  batchRequests: number;
  /** Requests by `METHOD path`, every endpoint. */
  byRoute: Map<string, number>;
}

export interface ClaudeSimulatorOptions {
  port?: number;
  host?: string;
  /** When set, requests whose `x-api-key` differs get 401. */
  apiKey?: string;
  /** The 401 body quotes the key it received (to test that clients scrub it). Default false. */
  echoKeyInErrors?: boolean;
  /** Models that exist; others get 404 not_found_error. Default: any model. */
  models?: string[];
  /** Answers; defaults to a short answer with one Python code block. */
  responder?: Responder;
  /** Delay before every messages answer. Default 0. */
  latencyMs?: number;
  /** Fraction [0,1] of messages requests that fail with one of `failureFaults`. Default 0. */
  failureRate?: number;
  /** Faults drawn for `failureRate` (uniformly). Default: 429 (retry-after 0), 529, 500, drop. */
  failureFaults?: Fault[];
  /** Seed of the fault draw, so runs are reproducible. Default 1. */
  seed?: number;
  /** How long a batch stays `in_progress`. Default 200 ms. */
  batchProcessingMs?: number;
  /** Request bodies larger than this get 413. Default 32 MiB. */
  maxBodyBytes?: number;
  /** The counting key of a messages request. */
  keyOf?: (request: MessagesRequestBody) => string;
  /** Characters per streamed delta. Default 16. */
  chunkChars?: number;
}
