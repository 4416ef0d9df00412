/**
 * `sandbox.run` inside a pipeline on the real Temporal dev server: the verification step of the
 * Repairity method keeps the samples whose fix passes every test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { brokenVariant } from './broken.js';
import { ensureImages, readMbpp, testDocker } from './helpers.js';

const PIPELINE = `
name: verify-fixes
params:
  samples: { type: string }
steps:
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
  count: \${{ steps.verify.outputs.count }}
  passed: \${{ steps.verify.outputs.passed }}
  counts: \${{ steps.verify.outputs.counts }}
  passing: \${{ steps.verify.outputs.passing }}
`;

describe('sandbox.run in a pipeline', () => {
  let engine: TestEngine;
  let dir: string;

  beforeAll(async () => {
    await ensureImages(testDocker());
    engine = await createTestEngine();
    dir = mkdtempSync(path.join(os.tmpdir(), 'repairity-verify-'));
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the samples whose fix passes all tests', async () => {
    const rows = readMbpp()
      .slice(20, 30)
      .map((r, i) => ({ ...r, fix: i % 3 === 0 ? brokenVariant(r.code, r.test_list) : r.code }));
    const samples = path.join(dir, 'samples.jsonl');
    writeFileSync(samples, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const summary = await engine.run(PIPELINE, { samples });
    expect(summary.outputs).toMatchObject({ count: 10, passed: 6, counts: { passed: 6, failed: 4 } });
    const kept = (await engine.store.read(summary.outputs.passing as string)).toString().trim().split('\n').map((l) => JSON.parse(l).task_id);
    expect(kept).toEqual(rows.filter((_, i) => i % 3 !== 0).map((r) => r.task_id));
  }, 180_000);
});
