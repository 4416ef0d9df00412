/**
 * A worker's Prometheus endpoint during and after a real pipeline run (shared Temporal dev
 * server, the local Anthropic-compatible server, the Docker sandbox): its counters match what
 * the run did, and Temporal's own worker metrics are served beside them.
 */
import { metricsEndpoint } from './runtime-with-metrics.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../engine/progress.js';
import { startClaudeSimulator, type ClaudeSimulator } from '../../claude-simulator/index.js';
import { TEST_KEY } from '../claude/helpers.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { brokenVariant } from '../sandbox/broken.js';
import { ensureImages, readMbpp, testDocker } from '../sandbox/helpers.js';
import { sample, scrape } from './prometheus.js';

const MODEL = 'claude-haiku-4-5';
const PIPELINE = `
name: observed
params:
  samples: { type: string }
steps:
  teach:
    uses: claude.message
    forEach: [0, 1, 2, 3, 4, 5]
    concurrency: 3
    with: { model: ${MODEL}, prompt: "repair task \${{ item }}" }
  summary:
    uses: claude.message
    needs: [teach]
    with: { model: ${MODEL}, prompt: "summarise" }
  load:
    uses: data.load_jsonl
    with:
      path: \${{ params.samples }}
  verify:
    uses: sandbox.run
    with:
      tasks: \${{ steps.load.outputs.dataset }}
      solutionField: fix
outputs:
  passed: \${{ steps.verify.outputs.passed }}
`;

describe('the metrics endpoint of a worker', () => {
  let engine: TestEngine;
  let server: ClaudeSimulator;
  let dir: string;

  beforeAll(async () => {
    await ensureImages(testDocker());
    server = await startClaudeSimulator({ apiKey: TEST_KEY });
    // Slow enough answers that a scrape lands while the fan-out runs.
    server.setResponder(() => ({ text: 'fixed', usage: { input_tokens: 100, output_tokens: 20 }, latencyMs: 300 }));
    const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };
    process.env.ANTHROPIC_API_KEY = TEST_KEY;
    process.env.ANTHROPIC_BASE_URL = server.url;
    try {
      engine = await createTestEngine();
    } finally {
      for (const [name, value] of [['ANTHROPIC_API_KEY', saved.key], ['ANTHROPIC_BASE_URL', saved.url]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'repairity-metrics-'));
  }, 300_000);

  afterAll(async () => {
    await engine?.close();
    await server?.close();
    await metricsEndpoint.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the steps, items, Claude tokens and dollars and sandbox verdicts of a run, during and after it', async () => {
    const rows = readMbpp()
      .slice(40, 43)
      .map((r, i) => ({ ...r, fix: i === 0 ? brokenVariant(r.code, r.test_list) : r.code }));
    const samples = path.join(dir, 'samples.jsonl');
    writeFileSync(samples, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const before = await scrape(metricsEndpoint.url);
    expect(sample(before, 'repairity_items_started_total')).toBe(0);

    const handle = await engine.start(engine.compile(PIPELINE), { samples });
    let finished = false;
    const result = handle.result().finally(() => (finished = true)) as Promise<RunSummary>;
    const during: number[] = [];
    while (!finished) {
      const text = await scrape(metricsEndpoint.url);
      if (!finished) during.push(sample(text, 'repairity_items_started_total', { kind: 'claude.message' }));
      await new Promise((r) => setTimeout(r, 100));
    }
    const summary = await result;
    expect(summary.outputs).toEqual({ passed: 2 });
    // Scraped while the fan-out ran: some items had started, not yet all of what the run did.
    expect(during.some((n) => n > 0 && n <= 6)).toBe(true);

    const after = await scrape(metricsEndpoint.url);
    const kind = (k: string) => ({ kind: k });
    expect(sample(after, 'repairity_items_started_total', kind('claude.message'))).toBe(6);
    expect(sample(after, 'repairity_items_succeeded_total', kind('claude.message'))).toBe(6);
    expect(sample(after, 'repairity_items_failed_total', kind('claude.message'))).toBe(0);
    // The forEach step and the single one.
    expect(sample(after, 'repairity_steps_started_total', kind('claude.message'))).toBe(2);
    expect(sample(after, 'repairity_steps_succeeded_total', kind('claude.message'))).toBe(2);
    for (const k of ['sandbox.run', 'data.load_jsonl']) {
      expect(sample(after, 'repairity_steps_started_total', kind(k)), k).toBe(1);
      expect(sample(after, 'repairity_steps_succeeded_total', kind(k)), k).toBe(1);
      expect(sample(after, 'repairity_steps_failed_total', kind(k)), k).toBe(0);
    }
    // Claude: what the run's own usage says, by model.
    expect(sample(after, 'repairity_claude_requests_total', { model: MODEL })).toBe(7);
    expect(sample(after, 'repairity_claude_tokens_total', { model: MODEL, direction: 'input' })).toBe(summary.usage.inputTokens);
    expect(sample(after, 'repairity_claude_tokens_total', { model: MODEL, direction: 'output' })).toBe(summary.usage.outputTokens);
    expect(summary.usage.inputTokens).toBe(700);
    expect(sample(after, 'repairity_claude_cost_dollars_total', { model: MODEL })).toBeCloseTo(summary.usage.costUsd, 9);
    // Sandbox: one broken fix of three.
    expect(sample(after, 'repairity_sandbox_verdicts_total', { status: 'passed' })).toBe(2);
    expect(sample(after, 'repairity_sandbox_verdicts_total', { status: 'failed' })).toBe(1);
    expect(sample(after, 'repairity_sandbox_task_duration_seconds_count')).toBe(3);
    expect(sample(after, 'repairity_sandbox_task_duration_seconds_sum')).toBeGreaterThan(0);
    // Temporal's worker metrics, through the SDK's exporter, on the same port.
    expect(after).toMatch(/^temporal_\w+/m);
    expect(sample(after, 'temporal_activity_execution_latency_seconds_count')).toBeGreaterThanOrEqual(4);
    // The series the Grafana dashboard (docs/grafana) plots.
    for (const name of ['temporal_activity_schedule_to_start_latency_seconds_bucket', 'temporal_worker_task_slots_available']) expect(after, name).toMatch(new RegExp(`^${name}\\{`, 'm'));
  }, 300_000);
});
