/**
 * A task file in BigCodeBench's schema (fixtures/bigcodebench-tasks.jsonl: tasks written for these
 * tests whose code imports libraries from their `libs` list: pandas, numpy, scipy, bs4, sklearn),
 * run as `repairity sandbox run` runs it, in the bigcodebench image: the canonical solutions pass,
 * the broken ones (field `broken`) fail.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { readTasks, runTasks } from '../../sandbox/run-file.js';
import { ensureImages, repoRoot, testDocker, testSandbox } from './helpers.js';

const run = promisify(execFile);
const TASKS = path.join(repoRoot, 'test', 'sandbox', 'fixtures', 'bigcodebench-tasks.jsonl');

describe('BigCodeBench task files', () => {
  let docker: Docker;
  let dir: string;

  beforeAll(async () => {
    docker = testDocker();
    await ensureImages(docker, ['bigcodebench']);
    dir = mkdtempSync(path.join(os.tmpdir(), 'repairity-bcb-'));
  }, 3_600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rows become pytest tasks in the bigcodebench image; broken solutions fail their TestCases', async () => {
    const broken = await readTasks(TASKS, 'broken');
    expect(broken.every((t) => t.format === 'pytest' && t.family === 'bigcodebench')).toBe(true);
    const box = await testSandbox(docker);
    try {
      const { verdicts } = await runTasks(broken, { sandbox: box });
      expect(verdicts.map((v) => v.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
      expect(verdicts[0]!.failedTests).toEqual(['test_solution.py::TestCases::test_values']);
    } finally {
      await box.close();
    }
  }, 600_000);

  it('`repairity sandbox run` passes every canonical solution', async () => {
    const out = path.join(dir, 'verdicts.jsonl');
    const { stdout } = await run('npx', ['tsx', 'cli/main.ts', 'sandbox', 'run', TASKS, '-o', out, '--pool-size', '2'], { cwd: repoRoot });
    expect(stdout).toMatch(/^4 tasks: passed 4;/m);
    const verdicts = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; tests: { outcome: string }[] });
    expect(verdicts.map((v) => v.id)).toEqual(['RepairityBCB/1', 'RepairityBCB/2', 'RepairityBCB/3', 'RepairityBCB/4']);
    expect(verdicts.every((v) => v.tests.length === 2 && v.tests.every((t) => t.outcome === 'passed'))).toBe(true);
  }, 600_000);
});
