/**
 * SWE-bench evaluation end to end on two instances in the published schema built from real
 * projects (fixtures.ts): images from the official specs, the official eval script, the official
 * log parsers and get_eval_report. The gold patch is resolved; an empty, a wrong and a broken
 * patch are not. The first run builds the images (minutes); later runs find them by tag.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SweBenchEvaluator } from '../../sandbox/swebench/evaluate.js';
import { readSweBenchSettings } from '../../sandbox/swebench/settings.js';
import { repoRoot, testDocker } from '../sandbox/helpers.js';
import { buildFixtures, publishedRow, type Fixture } from './fixtures.js';
import { loadSettings } from '../../worker/settings.js';

const run = promisify(execFile);
const BUILD_MS = 1_800_000;

describe('SWE-bench, graded by the official harness code', () => {
  let dir: string;
  let fixtures: Fixture[];
  let evaluator: SweBenchEvaluator;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'repairity-swebench-'));
    fixtures = buildFixtures(path.join(dir, 'mirrors'));
    env = { ...process.env, REPAIRITY_SWEBENCH_REPOS: path.join(dir, 'mirrors') };
    const settings = readSweBenchSettings(loadSettings().defaults.cacheDir, env);
    evaluator = new SweBenchEvaluator({ docker: testDocker(), settings, logDir: path.join(dir, 'logs'), log: (l) => console.log(`swebench: ${l}`) });
    for (const f of fixtures) await evaluator.prepare(f.instance);
  }, BUILD_MS);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([0, 1])('instance %i: the gold patch is resolved, every FAIL_TO_PASS and PASS_TO_PASS test passing', async (i) => {
    const { instance } = fixtures[i]!;
    const result = await evaluator.evaluate(instance, { instance_id: instance.instance_id, model_name_or_path: 'gold', model_patch: instance.patch });
    expect(result.status, readFileSync(result.testLog ?? '/dev/null', 'utf8').slice(-3000)).toBe('resolved');
    expect(result.report!.tests_status!.FAIL_TO_PASS).toEqual({ success: instance.FAIL_TO_PASS, failure: [] });
    expect(result.report!.tests_status!.PASS_TO_PASS).toEqual({ success: instance.PASS_TO_PASS, failure: [] });
  }, 600_000);

  it.each([0, 1])('instance %i: a wrong patch applies but is not resolved: its FAIL_TO_PASS test still fails', async (i) => {
    const { instance, wrongPatch } = fixtures[i]!;
    const result = await evaluator.evaluate(instance, { instance_id: instance.instance_id, model_name_or_path: 'wrong', model_patch: wrongPatch });
    expect(result.status).toBe('unresolved');
    expect(result.report!.patch_successfully_applied).toBe(true);
    expect(result.report!.tests_status!.FAIL_TO_PASS.failure).toEqual(instance.FAIL_TO_PASS);
    expect(result.report!.tests_status!.PASS_TO_PASS.failure).toEqual([]);
  }, 600_000);

  it('an empty patch is not run and not resolved; a patch that does not apply is an error', async () => {
    const { instance } = fixtures[0]!;
    const empty = await evaluator.evaluate(instance, { instance_id: instance.instance_id, model_name_or_path: 'empty', model_patch: '' });
    expect(empty.status).toBe('empty_patch');
    // The line it removes is not in the file.
    const broken = instance.patch.replace(/^-(.*)mask > 32:$/m, '-$1mask > 99:');
    expect(broken).not.toBe(instance.patch);
    const result = await evaluator.evaluate(instance, { instance_id: instance.instance_id, model_name_or_path: 'broken', model_patch: broken });
    expect(result.status).toBe('error');
    expect(result.message).toMatch(/Patch Apply Failed/);
  }, 600_000);

  it('`repairity sandbox run` grades a predictions file against the instances and prints the resolved counts', async () => {
    const instances = path.join(dir, 'instances.jsonl');
    const predictions = path.join(dir, 'predictions.jsonl');
    writeFileSync(instances, fixtures.map((f) => JSON.stringify(publishedRow(f.instance))).join('\n') + '\n');
    const [requests, sympy] = fixtures.map((f) => f.instance) as [Fixture['instance'], Fixture['instance']];
    writeFileSync(
      predictions,
      [
        { instance_id: requests.instance_id, model_name_or_path: 'm', model_patch: requests.patch },
        { instance_id: sympy.instance_id, model_name_or_path: 'm', model_patch: fixtures[1]!.wrongPatch },
      ]
        .map((p) => JSON.stringify(p))
        .join('\n') + '\n',
    );
    const out = path.join(dir, 'report.json');
    const { stdout } = await run('npx', ['tsx', 'cli/main.ts', 'sandbox', 'run', predictions, '--swebench-instances', instances, '-o', out], { cwd: repoRoot, env, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout).toContain('Instances resolved: 1');
    expect(stdout).toContain('Instances unresolved: 1');
    const report = JSON.parse(readFileSync(out, 'utf8')) as { resolved_ids: string[]; unresolved_ids: string[] };
    expect(report.resolved_ids).toEqual([requests.instance_id]);
    expect(report.unresolved_ids).toEqual([sympy.instance_id]);
  }, 600_000);
});
