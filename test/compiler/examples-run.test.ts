/**
 * Runs every example pipeline end to end on the shared Temporal dev server with real workers and
 * the built-in data steps, and checks its outputs.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { compilePipelineFile, formatDiagnostics } from '../../compiler/index.js';
import type { RunSummary } from '../../engine/progress.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';

const dir = path.join(process.cwd(), 'pipelines', 'examples');
/** `make test` always starts Temporal; with REPAIRITY_TEST_SERVICES=none these runs are skipped. */
const hasTemporal = Boolean(inject('temporalAddress'));
let engine: TestEngine;

beforeAll(async () => {
  if (hasTemporal) engine = await createTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

async function run(name: string, params: Record<string, unknown> = {}): Promise<RunSummary> {
  const result = compilePipelineFile(path.join(dir, name));
  if (!result.ok) throw new Error(formatDiagnostics(result.diagnostics));
  const handle = await engine.start(result.plan, params);
  return (await handle.result()) as RunSummary;
}

async function countLines(uri: unknown): Promise<number> {
  expect(typeof uri).toBe('string');
  const text = (await engine.store.read(uri as string)).toString().trim();
  return text === '' ? 0 : text.split('\n').length;
}

describe.skipIf(!hasTemporal)('example pipelines run', () => {
  it('prepare-splits.yaml: filter, sample, map, split 70/15/15', async () => {
    const summary = await run('prepare-splits.yaml');
    expect(summary.state).toBe('succeeded');
    const { kept, sampled, train, val, test } = summary.outputs as Record<string, unknown>;
    expect(kept).toBeGreaterThan(50);
    expect(sampled).toBe(Math.round((kept as number) * 0.2));
    const sizes = [await countLines(train), await countLines(val), await countLines(test)];
    expect(sizes.reduce((a, b) => a + b)).toBe(sampled);
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
    const first = JSON.parse((await engine.store.read(train as string)).toString().split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(['id', 'prompt', 'solution']);
    expect(String(first.prompt)).toContain('list');
  });

  it('sample-sweep.yaml: one sample per fraction through forEach', async () => {
    const summary = await run('sample-sweep.yaml', { fractions: [0.1, 0.5] });
    expect(summary.state).toBe('succeeded');
    expect(summary.outputs).toMatchObject({ loaded: 200, succeeded: 2, summary: 2 });
    const records = (await engine.store.read(summary.outputs.samples as string)).toString().trim().split('\n').map((l) => JSON.parse(l) as { outputs: { count: number } });
    expect(records.map((r) => r.outputs.count)).toEqual([20, 100]);
  });

  it('nightly-prepare.yaml: prepare-splits as a sub-pipeline', async () => {
    const summary = await run('nightly-prepare.yaml', { fraction: 0.3 });
    expect(summary.state).toBe('succeeded');
    // 169 MBPP tasks mention "string"; 30% of them is 51, 70% of that about 36
    expect(await countLines(summary.outputs.train)).toBeGreaterThan(25);
    expect(await countLines(summary.outputs.trainPreview)).toBeLessThanOrEqual(5);
  });
});
