/**
 * The `sandbox.run` step (called directly with a StepContext) and `repairity sandbox run`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { defaultCatalog } from '../../kinds/catalog.js';
import { createSandboxProvider, createSandboxSteps, type SandboxProvider } from '../../kinds/sandbox/index.js';
import { LocalStore } from '../../store/local.js';
import { makeContext } from '../training/context.js';
import { brokenVariant } from './broken.js';
import { ensureImages, ourContainers, readMbpp, repoRoot, testDocker } from './helpers.js';

const run = promisify(execFile);

describe('sandbox.run step and CLI', () => {
  let docker: Docker;
  let provider: SandboxProvider;
  let dir: string;
  let tasksFile: string;
  const rows = readMbpp()
    .slice(10, 13)
    .map((r, i) => ({ ...r, candidate: i === 1 ? brokenVariant(r.code, r.test_list) : r.code }));

  beforeAll(async () => {
    docker = testDocker();
    await ensureImages(docker);
    provider = createSandboxProvider({ docker, poolSize: 2, warn: () => undefined });
    dir = mkdtempSync(path.join(os.tmpdir(), 'repairity-sandbox-'));
    tasksFile = path.join(dir, 'tasks.jsonl');
    writeFileSync(tasksFile, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });

  afterAll(async () => {
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
    expect(await ourContainers(docker)).toEqual([]);
  });

  it('is in the step catalog, on the sandbox queue', () => {
    expect(defaultCatalog.get('sandbox.run')?.queue).toBe('sandbox');
  });

  it('judges a JSONL dataset: verdicts in order, the passing rows, counts, heartbeats', async () => {
    const store = new LocalStore(path.join(dir, 'store'));
    const tasks = await store.putContent(rows.map((r) => JSON.stringify(r)).join('\n'));
    const step = createSandboxSteps({ sandbox: provider })['sandbox.run']!;
    const ctx = makeContext(store);
    const out = await step({ tasks: tasks.uri, solutionField: 'candidate' }, ctx);
    expect(out).toMatchObject({ count: 3, passed: 2, allPassed: false, counts: { passed: 2, failed: 1 } });
    const verdicts = (await store.read(out.verdicts)).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(verdicts.map((v) => [v.row, v.id, v.status])).toEqual([
      [1, '11', 'passed'],
      [2, '12', 'failed'],
      [3, '13', 'passed'],
    ]);
    const passing = (await store.read(out.passing)).toString().trim().split('\n').map((l) => JSON.parse(l).task_id);
    expect(passing).toEqual([11, 13]);
    expect(ctx.beats.length).toBe(3);

    const single = await step({ task: { format: 'python-asserts', code: 'def f():\n    return 2', tests: ['assert f() == 2'] } }, makeContext(store));
    expect(single).toMatchObject({ status: 'passed', count: 1, allPassed: true });
  });

  it('a retry resumes from the verdicts its last heartbeat saved', async () => {
    const store = new LocalStore(path.join(dir, 'store'));
    const tasks = await store.putContent(rows.map((r) => JSON.stringify(r)).join('\n'));
    let judged = 0;
    // One task at a time, in order, a little apart: verdicts then arrive one by one, so the first
    // attempt saves a checkpoint part way (run concurrently, they may all land at once).
    let previous: Promise<unknown> = Promise.resolve();
    const counting: SandboxProvider = {
      async get() {
        const real = await provider.get();
        return Object.assign(Object.create(real) as typeof real, {
          run: (...args: Parameters<typeof real.run>) => {
            judged += 1;
            const result = previous.then(() => real.run(...args));
            previous = result.catch(() => undefined).then(() => new Promise((r) => setTimeout(r, 50)));
            return result;
          },
        });
      },
      close: () => provider.close(),
    };
    const step = createSandboxSteps({ sandbox: counting, checkpoints: { everyTasks: 1 } })['sandbox.run']!;
    const first = makeContext(store);
    const full = await step({ tasks: tasks.uri, solutionField: 'candidate' }, first);
    expect(judged).toBe(3);
    const checkpoint = first.beats.map((b) => b as { prefix: number; verdicts?: string }).find((b) => b.prefix >= 1 && b.prefix < 3);
    expect(checkpoint?.verdicts).toBeDefined();
    judged = 0;
    const again = await step({ tasks: tasks.uri, solutionField: 'candidate' }, makeContext(store, { lastHeartbeat: checkpoint, attempt: 2 }));
    expect(judged).toBe(3 - checkpoint!.prefix);
    expect(again).toMatchObject({ count: 3, passed: full.passed, counts: full.counts });
    expect((await store.read(again.verdicts)).toString().split('\n').map((l) => l && JSON.parse(l).status)).toEqual(
      (await store.read(full.verdicts)).toString().split('\n').map((l) => l && JSON.parse(l).status),
    );
  });

  it('cancelling the step (ctx.signal) stops it and removes the busy container', async () => {
    const store = new LocalStore(path.join(dir, 'store'));
    const step = createSandboxSteps({ sandbox: provider })['sandbox.run']!;
    const ctx = makeContext(store);
    const running = step({ task: { format: 'python-asserts', code: 'import time\ndef f():\n    time.sleep(60)', tests: ['assert f()'] } }, ctx);
    await new Promise((r) => setTimeout(r, 700));
    const busy = await ourContainers(docker);
    ctx.controller.abort(new Error('activity cancelled'));
    await expect(running).rejects.toThrow('activity cancelled');
    const left = await ourContainers(docker);
    expect(busy.filter((id) => left.includes(id)).length).toBeLessThan(busy.length);
  });

  it('`repairity sandbox run` writes a verdict per row and prints counts and throughput', async () => {
    const output = path.join(dir, 'verdicts.jsonl');
    const { stdout } = await run('npx', ['tsx', 'cli/main.ts', 'sandbox', 'run', tasksFile, '--solution-field', 'candidate', '-o', output, '--pool-size', '2'], {
      cwd: repoRoot,
    });
    expect(stdout).toMatch(/3 tasks: passed 2, failed 1; [\d.]+ s, [\d.]+ tasks\/s/);
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.row, l.status])).toEqual([
      [1, 'passed'],
      [2, 'failed'],
      [3, 'passed'],
    ]);
    expect(lines[1].failedTests).toHaveLength(3);
  });

  it('`repairity sandbox run` without an engine says how to start one', async () => {
    const failed = await run('npx', ['tsx', 'cli/main.ts', 'sandbox', 'run', tasksFile], {
      cwd: repoRoot,
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    }).catch((err: { code: number; stderr: string }) => err);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toMatch(/no Docker engine is reachable.*make sandbox-docker/s);
  });
});
