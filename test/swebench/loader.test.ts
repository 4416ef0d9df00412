/**
 * benchmarks.load on SWE-bench rows in the published schema: the repair prompt shows the issue and
 * the code (oracle: the files the gold patch edits; bm25: ranked against the issue), and the
 * records are judged by sandbox.run as the official harness grades them (images cached by
 * swebench.test.ts's first run, or built here).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBenchmarkSteps } from '../../kinds/benchmarks/index.js';
import { bm25Rank } from '../../kinds/benchmarks/retrieval.js';
import type { StepImpl } from '../../engine/kind.js';
import { createSandboxProvider, createSandboxSteps, type SandboxProvider } from '../../kinds/sandbox/index.js';
import type { ArtifactStore } from '../../store/types.js';
import { getRows, stepContext, tempStore } from '../pipeline/context.js';
import { testDocker } from '../sandbox/helpers.js';
import { buildFixtures, publishedRow, type Fixture } from './fixtures.js';
import { loadSettings } from '../../worker/settings.js';

describe('benchmarks.load swebench', () => {
  let dir: string;
  let fixtures: Fixture[];
  let store: ArtifactStore;
  let load: StepImpl;
  let sandbox: StepImpl;
  let provider: SandboxProvider;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'repairity-swebench-load-'));
    fixtures = buildFixtures(path.join(dir, 'mirrors'));
    vi.stubEnv('REPAIRITY_SWEBENCH_REPOS', path.join(dir, 'mirrors'));
    file = path.join(dir, 'instances.jsonl');
    writeFileSync(file, fixtures.map((f) => JSON.stringify(publishedRow(f.instance))).join('\n') + '\n');
    ({ store } = await tempStore());
    load = createBenchmarkSteps({ dataRoot: dir, swebench: loadSettings().swebench })['benchmarks.load']!;
    provider = createSandboxProvider({ docker: testDocker(), poolSize: 1, warn: () => undefined, swebench: loadSettings().swebench });
    sandbox = createSandboxSteps({ sandbox: provider })['sandbox.run']!;
  }, 300_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await provider?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('oracle: the prompt holds the issue and the numbered files the gold patch edits', async () => {
    const out = await load({ benchmark: 'swebench', path: 'instances.jsonl' }, stepContext(store, 'load'));
    const [requests, sympy] = await getRows(store, out.dataset);
    expect(requests).toMatchObject({ format: 'swebench', id: 'psf__requests-900001', benchmark: 'swebench', retrieval: 'oracle', contextFiles: ['requests/utils.py'], reference: fixtures[0]!.instance.patch });
    const prompt = String(requests!.prompt);
    expect(prompt).toContain(fixtures[0]!.instance.problem_statement);
    expect(prompt).toMatch(/\[start of requests\/utils\.py\][\s\S]*\n\d+ {9}if mask < 0 or mask > 32:\n[\s\S]*\[end of requests\/utils\.py\]/);
    expect(prompt).not.toContain('test_zero_mask'); // the test patch is the grader's, never the model's
    expect(sympy).toMatchObject({ contextFiles: ['sympy/utilities/iterables.py'] });
  });

  it('bm25: the files ranked against the issue, within the character budget', async () => {
    expect(bm25Rank('rotate a list left', ['nothing here', 'rotate rotate left list', 'a list'])).toEqual([1, 2, 0]);
    const out = await load({ benchmark: 'swebench', path: 'instances.jsonl', retrieval: 'bm25' }, stepContext(store, 'bm25'));
    const [requests] = await getRows<{ contextFiles: string[]; prompt: string; retrieval: string }>(store, out.dataset);
    expect(requests!.retrieval).toBe('bm25');
    expect(requests!.contextFiles).toContain('requests/utils.py');
    expect(requests!.prompt.length).toBeLessThan(50_000 + 20_000);
  }, 120_000);

  it('sandbox.run grades the records: the reference patch resolves, an empty patch does not', async () => {
    const out = await load({ benchmark: 'swebench', path: 'instances.jsonl', limit: 1 }, stepContext(store, 'judge'));
    const judge = async (field: string) => {
      const v = await sandbox({ tasks: out.dataset, solutionField: field }, stepContext(store, `judge-${field}`));
      return getRows<{ status: string; failedTests: string[]; backend: string }>(store, v.verdicts);
    };
    const [gold] = await judge('reference');
    expect(gold).toMatchObject({ status: 'passed', failedTests: [], backend: 'swebench' });
    const [empty] = await judge('buggy');
    expect(empty!.status).toBe('failed');
  }, 1_800_000);
});
