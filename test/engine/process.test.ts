/** The engine across process boundaries: a worker killed mid-run, and a run started by the `temporal` CLI. */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { temporalBinary } from '../helpers/services/temporal.js';
import { echo, sideEffect } from './kinds.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const engines: TestEngine[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const e of engines) await e.close();
});

function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'worker-process.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
  });
}

async function countFiles(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => []);
}

describe('worker killed with SIGKILL mid-run', () => {
  it('a fresh worker finishes the run, with every item’s side effect recorded exactly once', async () => {
    const effectDir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-effects-'));
    const kind = sideEffect(effectDir);
    const engine = await createTestEngine({ kinds: [kind], startWorkers: false });
    engines.push(engine);
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), QUEUE_PREFIX: engine.queuePrefix, STORE_DIR: engine.storeDir, EFFECT_DIR: effectDir };
    const N = 200;
    const plan = engine.compile(`
name: crash
steps:
  effects:
    uses: test.side_effect
    forEach: ${JSON.stringify(Array.from({ length: N }, (_, i) => i))}
    concurrency: 8
    timeout: 3s
    cache: false
    retry: { attempts: 5, initialInterval: 200ms }
    with: { sleepMs: 40 }
outputs:
  count: "\${{ steps.effects.outputs.succeeded }}"
`);
    const first = await startWorkerProcess(env);
    const handle = await engine.start(plan, {});
    while ((await countFiles(path.join(effectDir, 'effects'))).length < 50) await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const killedAt = (await countFiles(path.join(effectDir, 'effects'))).length;
    expect(killedAt).toBeLessThan(N);
    await startWorkerProcess(env);
    const result = await handle.result();
    expect(result.outputs).toEqual({ count: N });
    const effects = await countFiles(path.join(effectDir, 'effects'));
    expect(effects).toHaveLength(N);
    const items = await Promise.all(effects.map(async (f) => Number((await fs.readFile(path.join(effectDir, 'effects', f), 'utf8')).trim())));
    expect(new Set(items).size).toBe(N);
    // Some items really ran twice (they were in flight when the worker died), yet took effect once.
    const executions = (await fs.readFile(path.join(effectDir, 'executions.log'), 'utf8')).trim().split('\n');
    expect(executions.length).toBeGreaterThanOrEqual(N);
  }, 180_000);
});

describe('started by the temporal CLI', () => {
  it('runs a pipeline named by path with params, with no project code on the client side', async () => {
    const pipelinesDir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-pipelines-'));
    await fs.mkdir(path.join(pipelinesDir, 'examples'));
    await fs.writeFile(
      path.join(pipelinesDir, 'examples', 'hello.yaml'),
      `name: hello
params:
  who: { type: string, default: world }
steps:
  greet: { uses: test.echo, with: { value: "hello \${{ params.who }}" } }
outputs:
  greeting: "\${{ steps.greet.outputs.value }}"
`,
    );
    const engine = await createTestEngine({ kinds: [echo], pipelinesDir });
    engines.push(engine);
    const workflowId = `cli-start-${Date.now()}`;
    await promisify(execFile)(temporalBinary(), [
      'workflow', 'start',
      '--address', inject('temporalAddress'),
      '--task-queue', engine.taskQueue,
      '--type', 'runPipeline',
      '--workflow-id', workflowId,
      '--input', JSON.stringify({ pipeline: 'examples/hello.yaml', params: { who: 'temporal' } }),
    ]);
    const result = await engine.client.workflow.getHandle(workflowId).result();
    expect(result.outputs).toEqual({ greeting: 'hello temporal' });
  });
});
