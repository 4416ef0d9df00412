/**
 * Every MBPP canonical solution is judged `passed` (except the documented known-bad list), and
 * a broken variant of every task is judged not passed. Real Docker engine, warm pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { normaliseTask } from '../../sandbox/formats/index.js';
import { runTasks } from '../../sandbox/run-file.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import type { SandboxTask } from '../../sandbox/types.js';
import { brokenVariant } from './broken.js';
import { ensureImages, ourContainers, readMbpp, testDocker, testSandbox } from './helpers.js';
import { MBPP_BROKEN_STILL_PASSES, MBPP_KNOWN_BAD } from './mbpp-known-bad.js';

describe('MBPP through the warm pool', () => {
  let docker: Docker;
  let sandbox: Sandbox;
  const rows = readMbpp();

  beforeAll(async () => {
    docker = testDocker();
    await ensureImages(docker);
    // 3 warm containers on 2 cores: one task's file writing overlaps another's Python start-up.
    sandbox = await testSandbox(docker, { poolSize: 3, timeoutMs: 30_000 });
    await sandbox.warm();
  });

  afterAll(async () => {
    await sandbox?.close();
    expect(await ourContainers(docker)).toEqual([]);
  });

  it('has all 974 rows', () => {
    expect(rows).toHaveLength(974);
  });

  it('judges every canonical solution passed, except the known-bad list', async () => {
    const tasks = rows.map((r, i) => normaliseTask(r, i));
    const { verdicts, summary } = await runTasks(tasks, { sandbox });
    console.log(`MBPP canonical: ${JSON.stringify(summary.counts)} in ${(summary.durationMs / 1000).toFixed(1)} s (${summary.tasksPerSecond.toFixed(1)} tasks/s)`);
    const notPassed = verdicts.filter((v) => v.status !== 'passed').map((v) => ({ id: Number(v.id), status: v.status, message: v.message }));
    expect(notPassed.filter((v) => !(v.id in MBPP_KNOWN_BAD))).toEqual([]);
    // The known-bad list stays honest: each entry still fails.
    expect(Object.keys(MBPP_KNOWN_BAD).map(Number).filter((id) => !notPassed.some((v) => v.id === id))).toEqual([]);
  }, 900_000);

  it('judges a broken variant (`return None`) of every task not passed', async () => {
    const tasks: SandboxTask[] = rows.map((r, i) => {
      const task = normaliseTask(r, i);
      if (task.format !== 'python-asserts') throw new Error('MBPP rows are python-asserts tasks');
      return { ...task, code: brokenVariant(task.code, task.tests) };
    });
    const { verdicts, summary } = await runTasks(tasks, { sandbox });
    console.log(`MBPP broken: ${JSON.stringify(summary.counts)} (${summary.tasksPerSecond.toFixed(1)} tasks/s)`);
    const falsePositives = verdicts.filter((v) => v.status === 'passed').map((v) => Number(v.id));
    expect(falsePositives.filter((id) => !(id in MBPP_BROKEN_STILL_PASSES))).toEqual([]);
    for (const v of verdicts.filter((v) => v.status === 'failed')) expect(v.failedTests.length).toBeGreaterThan(0);
  }, 900_000);
});
