/**
 * Nightly retraining through a Temporal Schedule: `repairity schedule apply` (the CLI, as a
 * process) creates the schedule from pipelines/nightly.yaml's schedule: block, `schedule trigger`
 * fires it at once, the run (the full method on new MBPP tasks, tiny settings) finishes, and the
 * last-good pointer records the model and the tasks used, which the next run leaves out.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBenchmarkSteps } from '../../kinds/benchmarks/index.js';
import type { LastGood } from '../../kinds/benchmarks/last-good.js';
import type { ArtifactStore } from '../../store/types.js';
import type { ClaudeSimulator } from '../../claude-simulator/index.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { ensureImages, testDocker } from '../sandbox/helpers.js';
import { getRows, stepContext } from './context.js';
import { minioStore, repoRoot, startTeacher, workerEnv } from './services.js';
import { loadSettings } from '../../worker/settings.js';

const run = promisify(execFile);

/** The schedule's params: the tiny model on 24 new MBPP tasks. */
const TINY_SCHEDULE_PARAMS = `  params:
    name: nightly-test
    limit: 24
    eval_limit: 4
    student: tiny
    reward_base: tiny
    subset_fraction: 0.5
    sft_epochs: 1
    sft_batch_size: 4
    sft_grad_accum: 1
    ppo_iterations: 2
    ppo_batch_size: 2
    ppo_minibatch_size: 2
    max_new_tokens: 24
    max_length: 384
    threads: 1
`;

describe('nightly retraining schedule', () => {
  let server: ClaudeSimulator;
  let engine: TestEngine;
  let store: ArtifactStore;
  let pipelines: string;
  let restoreEnv: () => void = () => undefined;
  const address = inject('temporalAddress');

  beforeAll(async () => {
    await ensureImages(testDocker());
    server = await startTeacher();
    restoreEnv = workerEnv(server.url);
    store = minioStore();
    // the pipelines folder the workers load from: the repository's, with tiny schedule params
    pipelines = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-pipelines-'));
    await fs.cp(path.join(repoRoot, 'pipelines'), pipelines, { recursive: true });
    const nightly = await fs.readFile(path.join(pipelines, 'nightly.yaml'), 'utf8');
    // into the schedule: block, which the notify: block follows
    const scheduleEnd = /^(?!schedule:)[a-z]\w*:/m.exec(nightly.slice(nightly.indexOf('\nschedule:') + 1))?.index;
    const at = scheduleEnd === undefined ? nightly.length : nightly.indexOf('\nschedule:') + 1 + scheduleEnd;
    await fs.writeFile(path.join(pipelines, 'nightly.yaml'), `${nightly.slice(0, at).trimEnd()}\n${TINY_SCHEDULE_PARAMS}${nightly.slice(at)}`);
    engine = await createTestEngine({ store, pipelinesDir: pipelines, limits: { claude: { maxConcurrent: 8 } } });
  }, 600_000);

  afterAll(async () => {
    await engine?.close();
    await server?.close();
    restoreEnv();
  });

  const cli = async (...args: string[]) =>
    (await run(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), ...args, '--address', address, '--queue-prefix', engine.queuePrefix], { cwd: repoRoot, env: process.env })).stdout;

  it('apply creates then updates the schedule; trigger starts a nightly run that records the last good model', async () => {
    const file = path.join(pipelines, 'nightly.yaml');
    expect(await cli('schedule', 'apply', file, '--pipelines', pipelines, '--id', `repairity-nightly-${engine.queuePrefix}`)).toMatch(/^created schedule repairity-nightly-\S+: 0 2 \* \* \* UTC, overlap skip; runs pipeline nightly\.yaml/);
    expect(await cli('schedule', 'apply', file, '--pipelines', pipelines, '--id', `repairity-nightly-${engine.queuePrefix}`)).toMatch(/^updated schedule/);
    const id = `repairity-nightly-${engine.queuePrefix}`;
    const described = await engine.client.schedule.getHandle(id).describe();
    expect(described.policies.overlap).toBe('SKIP');
    expect(described.policies.catchupWindow).toBe(6 * 3600 * 1000);
    expect(described.state.paused).toBe(false);
    expect(await cli('schedule', 'list')).toContain(`${id}\tnightly.yaml\t0 2 * * *\tactive`);

    expect(await cli('schedule', 'trigger', id)).toContain(`triggered ${id}`);
    let workflowId: string | undefined;
    for (let i = 0; i < 60 && !workflowId; i++) {
      const d = await engine.client.schedule.getHandle(id).describe();
      workflowId = d.info.runningActions[0]?.workflow.workflowId ?? d.info.recentActions[0]?.action.workflow.workflowId;
      if (!workflowId) await new Promise((r) => setTimeout(r, 500));
    }
    expect(workflowId).toMatch(new RegExp(`^${id}`));
    const result = (await engine.client.workflow.getHandle(workflowId!).result()) as { outputs: Record<string, unknown> };
    expect(result.outputs.new_tasks).toBe(24);
    expect(result.outputs.started_from).toBe('tiny');
    const pointer = JSON.parse((await store.read('models/nightly-test/last-good.json')).toString()) as LastGood;
    expect(pointer.promotions).toBe(result.outputs.promoted ? 1 : 0);
    if (result.outputs.promoted) expect(pointer.model).toMatch(/^s3:\/\//);
    const seen = await getRows<{ id: string }>(store, pointer.seen);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(24);
    // the next night's run leaves the seen tasks out
    const next = await createBenchmarkSteps({ dataRoot: repoRoot, swebench: loadSettings().swebench })['benchmarks.load']!({ benchmark: 'mbpp', path: 'data/mbpp/mbpp.jsonl', limit: 24, exclude: pointer.seen, seed: 7 }, stepContext(store));
    expect(next.excluded).toBe(seen.length);
    const nextIds = (await getRows<{ id: string }>(store, next.dataset)).map((r) => r.id);
    expect(nextIds.some((i) => seen.some((s) => s.id === i))).toBe(false);

    expect(await cli('schedule', 'pause', id)).toContain(`paused ${id}`);
    expect((await engine.client.schedule.getHandle(id).describe()).state.paused).toBe(true);
    expect(await cli('schedule', 'delete', id)).toContain(`deleted ${id}`);
  }, 1_200_000);
});
