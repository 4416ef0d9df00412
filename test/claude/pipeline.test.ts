/**
 * The Claude steps inside real pipelines: the shared Temporal dev server, real workers, the local
 * Anthropic-compatible server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildCatalog } from '../../kinds/catalog.js';
import { compilePipelineFile, formatDiagnostics } from '../../compiler/index.js';
import type { RunSummary } from '../../engine/progress.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { faults, startClaudeSimulator, type ClaudeSimulator } from '../../claude-simulator/index.js';
import { saveHistory } from '../engine/histories.js';
import { rankingAnswer, TEST_KEY } from './helpers.js';

const engines: TestEngine[] = [];
const children: ChildProcess[] = [];
let server: ClaudeSimulator;

/** Builds an engine whose claude steps talk to the local server with the given key. */
async function engineWithKey(apiKey: string, opts: Parameters<typeof createTestEngine>[0] = {}): Promise<TestEngine> {
  const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };
  process.env.ANTHROPIC_API_KEY = apiKey;
  process.env.ANTHROPIC_BASE_URL = server.url;
  try {
    const engine = await createTestEngine(opts);
    engines.push(engine);
    return engine;
  } finally {
    for (const [name, value] of [['ANTHROPIC_API_KEY', saved.key], ['ANTHROPIC_BASE_URL', saved.url]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

beforeAll(async () => {
  server = await startClaudeSimulator({ apiKey: TEST_KEY });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const e of engines) await e.close();
  await server.close();
});

describe('claude.message in a 200-item fan-out', () => {
  it('with 30% of requests failing transiently, completes with exactly 200 successful requests; a re-run makes none', async () => {
    server.resetCounters();
    server.faults.clear();
    server.faults.reseed(42);
    server.faults.failureRate = 0.3;
    server.faults.failureFaults = [faults.rateLimitMs(50), faults.overloaded(), faults.serverError(), faults.drop('before-headers'), faults.drop('mid-body')];
    server.setResponder((req) => ({ text: `fixed ${String(req.messages[0]!.content)}\n\`\`\`python\npass\n\`\`\`` }));
    const engine = await engineWithKey(TEST_KEY);
    const yaml = `
name: teacher-fanout
steps:
  teach:
    uses: claude.message
    forEach: ${JSON.stringify(Array.from({ length: 200 }, (_, i) => i))}
    concurrency: 16
    retry: { attempts: 30, initialInterval: 50ms, backoff: 1.2, maxInterval: 200ms }
    with:
      model: claude-haiku-4-5
      prompt: "repair task \${{ item }}"
outputs:
  succeeded: "\${{ steps.teach.outputs.succeeded }}"
`;
    try {
      const first = await engine.run(yaml);
      expect(first.outputs).toEqual({ succeeded: 200 });
      expect(first.usage.requests).toBe(200);
      expect(first.usage.costUsd).toBeGreaterThan(0);
      expect(server.counters.failures).toBeGreaterThan(30);
      expect(server.counters.successes).toBe(200);
      expect(server.counters.byKey.size).toBe(200);
      for (const [key, c] of server.counters.byKey) expect(c.successes, key).toBe(1);
      const before = server.counters.requests;
      const again = await engine.run(yaml);
      expect(again.outputs).toEqual({ succeeded: 200 });
      expect(again.usage).toMatchObject({ requests: 0, costUsd: 0 });
      expect(server.counters.requests).toBe(before);
    } finally {
      server.faults.clear();
    }
  }, 300_000);
});

describe('budget', () => {
  it('stops new calls once the step budget is spent, and a re-run with more budget pays only for the rest', async () => {
    server.resetCounters();
    server.faults.clear();
    // $1 per answer: a million input tokens of claude-haiku-4-5.
    server.setResponder(() => ({ text: 'paid answer', usage: { input_tokens: 1_000_000, output_tokens: 0 } }));
    const engine = await engineWithKey(TEST_KEY);
    const yaml = (budget: number) => `
name: teacher-budget
steps:
  teach:
    uses: claude.message
    forEach: ${JSON.stringify(Array.from({ length: 20 }, (_, i) => i))}
    concurrency: 1
    budget: ${budget}
    with: { model: claude-haiku-4-5, prompt: "budget task \${{ item }}" }
`;
    const err = await engine.run(yaml(5.5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/budget spent/);
    const paid = server.counters.successes;
    expect(paid).toBeGreaterThanOrEqual(6);
    expect(paid).toBeLessThan(20);
    const second = await engine.run(yaml(100));
    expect(second.outputs).toBeDefined();
    // Every answer was paid for once: the 'paid' ones were served from the memo (or the item cache).
    expect(server.counters.successes).toBe(20);
    expect(server.counters.requests).toBe(20);
  }, 180_000);
});

describe('budget across batches running at once', () => {
  it('splits what is left of a budget between batches running at once, so together they do not overspend', async () => {
    server.resetCounters();
    server.faults.clear();
    // $0.25 per answer: 250k input tokens of claude-haiku-4-5.
    server.setResponder(() => ({ text: 'paid answer', usage: { input_tokens: 250_000, output_tokens: 0 } }));
    const engine = await engineWithKey(TEST_KEY);
    const err = await engine
      .run(`
name: teacher-batches-budget
steps:
  teach:
    uses: claude.message
    forEach: ${JSON.stringify(Array.from({ length: 60 }, (_, i) => i))}
    concurrency: 16
    budget: 5.5
    with: { model: claude-haiku-4-5, prompt: "batches budget task \${{ item }}" }
`)
      .catch((e: unknown) => e);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/budget spent/);
    const paid = server.counters.successes;
    // Two batches of 8 at once: at most the budget plus one answer per call in flight, never a budget per batch.
    expect(paid * 0.25).toBeLessThanOrEqual(5.5 + 16 * 0.25);
    expect(paid * 0.25).toBeGreaterThanOrEqual(5.5);
  }, 180_000);
});

/** Starts ablation.yaml fanning out over variant.yaml (written to a fresh folder), every answer paid $0.25. */
async function startAblation(variantYaml: string, ablationYaml: string) {
  server.resetCounters();
  server.faults.clear();
  server.setResponder(() => ({ text: 'paid answer', usage: { input_tokens: 250_000, output_tokens: 0 } }));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-budget-'));
  await fs.writeFile(path.join(dir, 'variant.yaml'), variantYaml);
  await fs.writeFile(path.join(dir, 'ablation.yaml'), ablationYaml);
  const engine = await engineWithKey(TEST_KEY);
  const compiled = compilePipelineFile(path.join(dir, 'ablation.yaml'), { catalog: buildCatalog(engine.extraSpecs) });
  if (!compiled.ok) throw new Error(formatDiagnostics(compiled.diagnostics));
  return engine.start(compiled.plan, {});
}

describe('a run budget shared by steps running at once', () => {
  it('two paying steps started together split the run budget instead of each spending all of it', async () => {
    server.resetCounters();
    server.faults.clear();
    // $0.25 per answer: 250k input tokens of claude-haiku-4-5.
    server.setResponder(() => ({ text: 'paid answer', usage: { input_tokens: 250_000, output_tokens: 0 } }));
    const engine = await engineWithKey(TEST_KEY);
    const step = (name: string) => `
  ${name}:
    uses: claude.message
    forEach: ${JSON.stringify(Array.from({ length: 40 }, (_, i) => i))}
    concurrency: 4
    with: { model: claude-haiku-4-5, prompt: "${name} run budget task \${{ item }}" }`;
    const err = await engine
      .run(`
name: parallel-steps-run-budget
budget: 5
steps:${step('left')}${step('right')}
`)
      .catch((e: unknown) => e);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/budget spent/);
    const paid = server.counters.successes * 0.25;
    // Before shares, each step saw the whole $5: about $10 paid. Now at most the budget plus one
    // answer per call in flight (2 steps x 4).
    expect(paid).toBeLessThanOrEqual(5 + 8 * 0.25);
    expect(paid).toBeGreaterThanOrEqual(5);
    // Both steps got to spend: neither took the whole budget first.
    const byStep = { left: 0, right: 0 };
    for (const key of server.counters.byKey.keys()) byStep[key.includes('left run budget') ? 'left' : 'right']++;
    expect(byStep.left).toBeGreaterThanOrEqual(5);
    expect(byStep.right).toBeGreaterThanOrEqual(5);
  }, 180_000);

  it('sub-pipeline runs spend from their parent run budget, and what they spent counts even when they fail', async () => {
    const handle = await startAblation(
      `name: variant
params:
  name: { type: string }
steps:
  teach:
    uses: claude.message
    forEach: ${JSON.stringify(Array.from({ length: 20 }, (_, i) => i))}
    concurrency: 2
    with: { model: claude-haiku-4-5, prompt: "variant \${{ params.name }} task \${{ item }}" }
`,
      `name: ablation
budget: 4
steps:
  variants:
    pipeline: variant.yaml
    forEach: [a, b, c]
    concurrency: 3
    continueOnError: true
    with: { name: "\${{ item }}" }
`,
    );
    const summary = (await handle.result()) as RunSummary;
    const paid = server.counters.successes * 0.25;
    // Before, a child run knew nothing of its parent's budget: all 60 answers ($15) were paid.
    expect(paid).toBeLessThanOrEqual(4 + 6 * 0.25);
    expect(paid).toBeGreaterThanOrEqual(4);
    // The children ran out of budget and failed; the parent still counts what they paid.
    expect(summary.usage.costUsd).toBeCloseTo(paid, 6);
  }, 180_000);

  /**
   * Variants "small" ($1 of answers) and "large" ($4) under a $5.50 run budget: $5 in all. Each
   * starts with a share of $2.75, so "large" stops at its share while "small" leaves $1.75 unused.
   */
  const startSmallAndLarge = (tag: string, variantHeader = '', ablationStep = '') => {
    const variants = [
      { name: 'small', tasks: Array.from({ length: 4 }, (_, i) => i) },
      { name: 'large', tasks: Array.from({ length: 16 }, (_, i) => i) },
    ];
    return startAblation(
      `name: variant
${variantHeader}params:
  name: { type: string }
  tasks: { type: array }
steps:
  teach:
    uses: claude.message
    forEach: \${{ params.tasks }}
    concurrency: 2
    with: { model: claude-haiku-4-5, prompt: "${tag} variant \${{ params.name }} task \${{ item }}" }
`,
      `name: ablation
budget: 5.5
steps:
  variants:
    pipeline: variant.yaml
    forEach: ${JSON.stringify(variants)}
    concurrency: 2
${ablationStep}    with: { name: "\${{ item.name }}", tasks: "\${{ item.tasks }}" }
`,
    );
  };

  it('a sub-pipeline run that spent its share runs again with what its siblings left, paying for nothing twice', async () => {
    const handle = await startSmallAndLarge('resumed');
    // Before, "large" failed with $1.75 of the budget never spent.
    const summary = (await handle.result()) as RunSummary;
    expect(summary.state).toBe('succeeded');
    // Every task answered once: the resumed run found the answers it had paid for in the memo.
    expect(server.counters.successes).toBe(20);
    expect(summary.usage.costUsd).toBeCloseTo(5, 6);
    const history = await handle.fetchHistory();
    const children = history.events!.flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? []);
    expect(children.filter((id) => id.endsWith('/resume-1'))).toHaveLength(1);
    await saveHistory('budget-child-resume', handle);
  }, 180_000);

  it('a sub-pipeline whose file sets a budget of its own is not run again: its own budget would start afresh', async () => {
    const handle = await startSmallAndLarge('own budget', 'budget: 100\n', '    continueOnError: true\n');
    const summary = (await handle.result()) as RunSummary;
    const variantsStep = summary.steps.find((s) => s.id === 'variants')!;
    expect(variantsStep.items).toMatchObject({ succeeded: 1, failed: 1 });
    const history = await handle.fetchHistory();
    const children = history.events!.flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? []);
    expect(children.some((id) => id.includes('/resume-'))).toBe(false);
  }, 180_000);
});

describe('answers paid for but unusable', () => {
  it('count in the run usage (and so against budgets), though the step retried them', async () => {
    server.resetCounters();
    server.faults.clear();
    // Each task's first judgement is not a ranking of its candidates (retried); the second is. $0.25 each.
    const seen = new Map<string, number>();
    server.setResponder((req) => {
      const prompt = String(req.messages[0]!.content);
      const n = (seen.get(prompt) ?? 0) + 1;
      seen.set(prompt, n);
      const ranking = n === 1 ? ['0', '0'] : ['0', '1'];
      return rankingAnswer(ranking, { input_tokens: 250_000, output_tokens: 0 });
    });
    const engine = await engineWithKey(TEST_KEY);
    const summary = await engine.run(`
name: judge-invalid-answers
steps:
  judge:
    uses: claude.judge
    forEach: ${JSON.stringify(Array.from({ length: 6 }, (_, i) => i))}
    concurrency: 3
    retry: { attempts: 3, initialInterval: 10ms, maxInterval: 10ms }
    with:
      model: claude-haiku-4-5
      task: "paid twice task \${{ item }}"
      candidates: ["a = 1", "a = 2"]
`);
    expect(summary.steps[0]).toMatchObject({ state: 'succeeded' });
    expect(server.counters.successes).toBe(12);
    // Before, only the six usable answers were counted ($1.50).
    expect(summary.usage.requests).toBe(12);
    expect(summary.usage.costUsd).toBeCloseTo(12 * 0.25, 6);
  }, 120_000);

  it('in a single step too: across its retried attempts, and when it fails for good', async () => {
    server.resetCounters();
    server.faults.clear();
    let calls = 0;
    let goodAfter = 2;
    server.setResponder(() => {
      calls++;
      const ranking = calls > goodAfter ? ['0', '1'] : ['0', '0'];
      return rankingAnswer(ranking, { input_tokens: 250_000, output_tokens: 0 });
    });
    const engine = await engineWithKey(TEST_KEY);
    const yaml = (tag: string, attempts: number) => `
name: judge-single-invalid
steps:
  judge:
    uses: claude.judge
    retry: { attempts: ${attempts}, initialInterval: 10ms, maxInterval: 10ms }
    with: { model: claude-haiku-4-5, task: "${tag}", candidates: ["a = 1", "a = 2"] }
`;
    // Two unusable answers, then a good one: all three count.
    const ok = await engine.run(yaml('single paid thrice', 3));
    expect(ok.usage.requests).toBe(3);
    expect(ok.usage.costUsd).toBeCloseTo(0.75, 6);
    // Never a good one in two attempts: the failed run still reports both answers it paid for.
    calls = 0;
    goodAfter = 99;
    const err = await engine.run(yaml('single never good', 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const details = ((err as WorkflowFailedError).cause as { details?: { steps: { usage: { requests: number } }[] }[] }).details;
    expect(details?.[0]?.steps[0]?.usage.requests).toBe(2);
  }, 120_000);
});

describe('retry-after', () => {
  it("a 429's retry-after becomes the next retry delay, overriding the step's shorter backoff", async () => {
    server.resetCounters();
    server.faults.clear();
    server.faults.enqueue(faults.rateLimit(2));
    server.setResponder(() => ({ text: 'after the wait' }));
    const engine = await engineWithKey(TEST_KEY);
    const result = await engine.run(`
name: teacher-429
steps:
  teach:
    uses: claude.message
    retry: { attempts: 3, initialInterval: 10ms, maxInterval: 10ms }
    with: { model: claude-haiku-4-5, prompt: "rate limited once" }
outputs:
  text: "\${{ steps.teach.outputs.text }}"
`);
    expect(result.outputs).toEqual({ text: 'after the wait' });
    expect(server.counters.requests).toBe(2);
    const waited = server.receivedAt[1]! - server.receivedAt[0]!;
    expect(waited).toBeGreaterThanOrEqual(1900);
  }, 120_000);
});

describe('a rejected API key', () => {
  it('fails the step once, fast, says how to fix it, and the key is nowhere in the history', async () => {
    server.resetCounters();
    server.options.echoKeyInErrors = true;
    const wrongKey = 'sk-ant-api03-NOT-THE-RIGHT-KEY-zyxwvutsrq';
    const engine = await engineWithKey(wrongKey);
    const plan = engine.compile(`
name: teacher-401
steps:
  teach:
    uses: claude.message
    retry: { attempts: 10, initialInterval: 2s }
    with: { model: claude-haiku-4-5, prompt: "repair this" }
`);
    const started = Date.now();
    const handle = await engine.start(plan, {});
    const err = await handle.result().catch((e: unknown) => e);
    server.options.echoKeyInErrors = false;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.counters.requests).toBe(1);
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).toContain('ANTHROPIC_API_KEY');
    expect(history).toContain('ClaudeAuthError');
    expect(history).not.toContain(wrongKey);
    expect(history).not.toContain('NOT-THE-RIGHT-KEY');
    expect(history).not.toContain(TEST_KEY);
  }, 120_000);
});

describe('claude.batch with its worker killed by SIGKILL while the batch is pending', () => {
  function startWorker(env: Record<string, string>): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'claude-worker.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return new Promise((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      child.stdout!.on('data', (d) => String(d).includes('ready') && resolve(child));
      child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
    });
  }

  it('the run finishes with one batch created', async () => {
    server.resetCounters();
    server.options.batchProcessingMs = 60_000;
    const engine = await engineWithKey(TEST_KEY, { startWorkers: false });
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), QUEUE_PREFIX: engine.queuePrefix, STORE_DIR: engine.storeDir, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY };
    const plan = engine.compile(`
name: teacher-batch
steps:
  teach:
    uses: claude.batch
    heartbeatTimeout: 2s
    retry: { attempts: 5, initialInterval: 200ms }
    with:
      defaults: { model: claude-haiku-4-5 }
      requests: ${JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ id: `task-${i}`, prompt: `batch task ${i}` })))}
      pollIntervalMs: 100
      maxPollIntervalMs: 300
outputs:
  succeeded: "\${{ steps.teach.outputs.succeeded }}"
  batch: "\${{ steps.teach.outputs.batchId }}"
`);
    const first = await startWorker(env);
    const handle = await engine.start(plan, {});
    const deadline = Date.now() + 60_000;
    while (server.counters.batchesCreated === 0 || (server.counters.byRoute.get('GET /v1/messages/batches/:id') ?? 0) < 2) {
      if (Date.now() > deadline) throw new Error('the batch was never created');
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    server.options.batchProcessingMs = 0;
    await startWorker(env);
    const result = await handle.result();
    expect(result.outputs).toMatchObject({ succeeded: 20, batch: expect.stringMatching(/^msgbatch_/) });
    expect(server.counters.batchesCreated).toBe(1);
  }, 180_000);
});
