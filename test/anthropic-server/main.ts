/**
 * Runs the local Anthropic-compatible server standalone:
 *
 *   npx tsx test/anthropic-server/main.ts --port 8787 --responses teacher.jsonl
 *
 * then point a worker at it with ANTHROPIC_BASE_URL=http://127.0.0.1:8787. It prints the base URL
 * on its first line, and request counters on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { loadResponder } from './responses.js';
import { startAnthropicTestServer } from './server.js';
import type { AnthropicTestServerOptions } from './types.js';

const usage = `usage: anthropic-server [--port N] [--host H] [--responses FILE] [--api-key KEY]
       [--latency-ms MS] [--failure-rate F] [--seed N] [--batch-ms MS] [--models a,b]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      responses: { type: 'string' },
      'api-key': { type: 'string' },
      'latency-ms': { type: 'string', default: '0' },
      'failure-rate': { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      'batch-ms': { type: 'string', default: '200' },
      models: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${v}\n${usage}`);
    return n;
  };
  const opts: AnthropicTestServerOptions = {
    port: num('port', values.port),
    host: values.host,
    latencyMs: num('latency-ms', values['latency-ms']),
    failureRate: num('failure-rate', values['failure-rate']),
    seed: num('seed', values.seed),
    batchProcessingMs: num('batch-ms', values['batch-ms']),
  };
  if (values.responses) opts.responder = await loadResponder(values.responses);
  if (values['api-key']) opts.apiKey = values['api-key'];
  if (values.models) opts.models = values.models.split(',').map((m) => m.trim()).filter(Boolean);
  const server = await startAnthropicTestServer(opts);
  console.log(server.url);
  const stop = async (): Promise<void> => {
    const c = server.counters;
    console.error(`anthropic-server: ${c.requests} requests, ${c.successes} succeeded, ${c.failures} failed, ${c.batchesCreated} batches`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(2);
});
