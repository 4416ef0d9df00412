/**
 * A local HTTP server that speaks the Anthropic Messages API (messages, SSE streaming, message
 * batches, error bodies and headers) with scriptable faults, so the product's code and the
 * official SDK run unchanged against it; only the base URL differs.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildMessage, defaultAnswer, lastUserText } from './answers.js';
import { BatchRegistry, type BatchRequest } from './batches.js';
import { FaultPlan } from './faults.js';
import { formatSse, messageEvents } from './sse.js';
import { baseHeaders, sendError, sendJson, statusFault } from './replies.js';
import { HttpProblem, validateMessages } from './validate.js';
import type { ClaudeSimulatorOptions, Fault, MessagesRequestBody, Responder, ServerCounters } from './types.js';

export interface ClaudeSimulator {
  /** Base URL to give the SDK (`baseURL`), e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  readonly counters: ServerCounters;
  readonly faults: FaultPlan;
  /** Live settings; change them between tests. */
  readonly options: Required<Pick<ClaudeSimulatorOptions, 'latencyMs' | 'batchProcessingMs' | 'echoKeyInErrors'>> & ClaudeSimulatorOptions;
  setResponder(responder: Responder): void;
  resetCounters(): void;
  /** Request bodies received by POST /v1/messages, in order, and when each arrived (ms epoch). */
  readonly received: MessagesRequestBody[];
  readonly receivedAt: number[];
  close(): Promise<void>;
}

function newCounters(): ServerCounters {
  return { requests: 0, successes: 0, failures: 0, byKey: new Map(), batchesCreated: 0, batchRequests: 0, byRoute: new Map() };
}

export async function startClaudeSimulator(opts: ClaudeSimulatorOptions = {}): Promise<ClaudeSimulator> {
  const options = { latencyMs: 0, batchProcessingMs: 200, echoKeyInErrors: false, ...opts };
  const counters = newCounters();
  const received: MessagesRequestBody[] = [];
  const receivedAt: number[] = [];
  const faultPlan = new FaultPlan({ failureRate: opts.failureRate, failureFaults: opts.failureFaults, seed: opts.seed });
  let responder: Responder = opts.responder ?? defaultAnswer;
  let requestSeq = 0;
  let baseUrl = '';
  const keyOf = opts.keyOf ?? lastUserText;
  const maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const batches = new BatchRegistry({
    get processingMs() {
      return options.batchProcessingMs;
    },
    responder: (r) => responder(r),
    validate: (p) => {
      const problem = validateMessages(p, options.models);
      return problem ? { type: problem.type, message: problem.message } : undefined;
    },
  });

  const bump = (key: string, field: 'requests' | 'successes'): void => {
    const c = counters.byKey.get(key) ?? { requests: 0, successes: 0 };
    c[field]++;
    counters.byKey.set(key, c);
  };

  async function readBody(req: http.IncomingMessage): Promise<Buffer> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBody) throw new HttpProblem(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${maxBody}).`);
      parts.push(chunk as Buffer);
    }
    return Buffer.concat(parts);
  }

  async function handleMessages(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<void> {
    const raw = await readBody(req);
    let body: MessagesRequestBody;
    try {
      body = JSON.parse(raw.toString('utf8')) as MessagesRequestBody;
    } catch {
      throw new HttpProblem(400, 'invalid_request_error', 'body: not valid JSON');
    }
    received.push(body);
    receivedAt.push(Date.now());
    counters.requests++;
    const key = keyOf(body);
    bump(key, 'requests');
    const problem = validateMessages(body, options.models);
    if (problem) {
      counters.failures++;
      throw problem;
    }
    const fault = faultPlan.next();
    if (fault?.kind === 'status') {
      counters.failures++;
      if (options.latencyMs > 0) await sleep(options.latencyMs);
      statusFault(res, requestId, fault);
      return;
    }
    if (fault?.kind === 'drop' && (fault.when ?? 'before-headers') === 'before-headers') {
      counters.failures++;
      req.socket.destroy();
      return;
    }
    const answer = await responder(body);
    const delay = options.latencyMs + (answer.latencyMs ?? 0) + (fault?.kind === 'slow' ? fault.ms : 0);
    if (delay > 0) await sleep(delay);
    if (res.destroyed || req.socket.destroyed) {
      counters.failures++;
      return;
    }
    const message = buildMessage(body, answer, requestId.replace(/^req_/, ''));
    const headers = baseHeaders(requestId);
    const midDrop = fault?.kind === 'drop';
    if (body.stream) {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const events = messageEvents(message, options.chunkChars ?? 16);
      const partial = midDrop || fault?.kind === 'stream-error' || fault?.kind === 'truncate';
      const cut = partial ? Math.max(2, Math.floor(events.length / 2)) : events.length;
      for (const e of events.slice(0, cut)) res.write(formatSse(e));
      if (midDrop) {
        counters.failures++;
        await new Promise((r) => setImmediate(r));
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'truncate') {
        counters.failures++;
        res.end();
        return;
      }
      if (fault?.kind === 'stream-error') {
        counters.failures++;
        res.end(formatSse({ event: 'error', data: { type: 'error', error: { type: fault.type ?? 'overloaded_error', message: fault.message ?? 'Overloaded' } } }));
        return;
      }
      counters.successes++;
      bump(key, 'successes');
      res.end();
      return;
    }
    const text = JSON.stringify(message);
    if (midDrop) {
      counters.failures++;
      res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      await new Promise((r) => setImmediate(r));
      req.socket.destroy();
      return;
    }
    counters.successes++;
    bump(key, 'successes');
    sendJson(res, 200, message, headers);
  }

  async function handleBatches(req: http.IncomingMessage, res: http.ServerResponse, requestId: string, parts: string[]): Promise<void> {
    const headers = baseHeaders(requestId);
    const [id, action] = parts;
    if (req.method === 'POST' && id === undefined) {
      let body: { requests?: BatchRequest[] };
      try {
        body = JSON.parse((await readBody(req)).toString('utf8')) as { requests?: BatchRequest[] };
      } catch {
        throw new HttpProblem(400, 'invalid_request_error', 'body: not valid JSON');
      }
      const problem = BatchRegistry.check(body);
      if (problem) throw new HttpProblem(400, 'invalid_request_error', problem);
      const fault = faultPlan.next();
      if (fault?.kind === 'status') return statusFault(res, requestId, fault);
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      const state = batches.create(body.requests!);
      counters.batchesCreated++;
      counters.batchRequests += body.requests!.length;
      return sendJson(res, 200, batches.view(state, baseUrl), headers);
    }
    if (req.method === 'GET' && id === undefined) {
      const url = new URL(req.url ?? '/', baseUrl);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 20), 1000);
      const after = url.searchParams.get('after_id');
      const all = batches.all().reverse();
      const start = after ? all.findIndex((b) => b.id === after) + 1 : 0;
      const page = all.slice(start, start + limit);
      for (const b of page) await batches.advance(b);
      return sendJson(res, 200, { data: page.map((b) => batches.view(b, baseUrl)), has_more: start + limit < all.length, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null }, headers);
    }
    const state = id ? batches.get(id) : undefined;
    if (!state) throw new HttpProblem(404, 'not_found_error', `message batch ${id ?? ''} not found`);
    await batches.advance(state);
    if (req.method === 'GET' && action === undefined) return sendJson(res, 200, batches.view(state, baseUrl), headers);
    if (req.method === 'GET' && action === 'results') {
      if (state.endedAt === undefined) throw new HttpProblem(400, 'invalid_request_error', `message batch ${state.id} has not ended yet`);
      const text = batches.resultsJsonl(state);
      res.writeHead(200, { ...headers, 'content-type': 'application/binary', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (req.method === 'POST' && action === 'cancel') {
      batches.cancel(state);
      return sendJson(res, 200, batches.view(state, baseUrl), headers);
    }
    if (req.method === 'DELETE' && action === undefined) {
      if (state.endedAt === undefined) throw new HttpProblem(400, 'invalid_request_error', `message batch ${state.id} is still processing; cancel it first`);
      batches.delete(state.id);
      return sendJson(res, 200, { id: state.id, type: 'message_batch_deleted' }, headers);
    }
    throw new HttpProblem(404, 'not_found_error', `${req.method} ${req.url} is not a route`);
  }

  const server = http.createServer((req, res) => {
    const requestId = `req_test_${String(++requestSeq).padStart(8, '0')}`;
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    const route = `${req.method} ${path.replace(/msgbatch_[A-Za-z0-9_]+/, ':id')}`;
    counters.byRoute.set(route, (counters.byRoute.get(route) ?? 0) + 1);
    const run = async (): Promise<void> => {
      if (options.apiKey !== undefined && !path.startsWith('/_test/')) {
        // Older SDKs send `x-api-key`; newer ones `Authorization: Bearer <key>`.
        const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const given = (req.headers['x-api-key'] as string | undefined) ?? bearer;
        if (given !== options.apiKey) {
          if (path === '/v1/messages') {
            counters.requests++;
            counters.failures++;
          }
          req.resume();
          const shown = options.echoKeyInErrors ? `: ${String(given ?? '')}` : '';
          return sendError(res, requestId, 401, 'authentication_error', `invalid x-api-key${shown}`);
        }
      }
      if (req.method === 'GET' && path === '/_test/counters') {
        const c = counters;
        return sendJson(res, 200, { requests: c.requests, successes: c.successes, failures: c.failures, batchesCreated: c.batchesCreated, batchRequests: c.batchRequests, byKey: Object.fromEntries(c.byKey), byRoute: Object.fromEntries(c.byRoute) }, {});
      }
      if (req.method === 'POST' && path === '/_test/reset') {
        Object.assign(counters, newCounters());
        received.length = 0;
        return sendJson(res, 200, { ok: true }, {});
      }
      if (req.method === 'POST' && path === '/v1/messages') return handleMessages(req, res, requestId);
      if (path === '/v1/messages/batches' || path.startsWith('/v1/messages/batches/')) {
        const rest = path.slice('/v1/messages/batches'.length).split('/').filter(Boolean);
        return handleBatches(req, res, requestId, rest);
      }
      throw new HttpProblem(404, 'not_found_error', `${req.method} ${path} is not a route of this server`);
    };
    run().catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof HttpProblem) sendError(res, requestId, err.status, err.type, err.message);
      else sendError(res, requestId, 500, 'api_error', `claude simulator bug: ${(err as Error).message}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  return {
    url: baseUrl,
    port,
    counters,
    faults: faultPlan,
    options,
    received,
    receivedAt,
    setResponder: (r) => {
      responder = r;
    },
    resetCounters: () => {
      Object.assign(counters, newCounters());
      received.length = 0;
      receivedAt.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
