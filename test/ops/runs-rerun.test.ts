/**
 * `repairity runs`, `rerun --force/--from/--param` and `cancel` on the real Temporal dev server
 * (its search attributes registered as `repairity dev` does), through the commands themselves.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bindParams } from '../../compiler/index.js';
import { compileOrThrow } from '../../cli/compile-file.js';
import { startRun } from '../../cli/start-run.js';
import type { RunProgress } from '../../engine/progress.js';
import { runRepairity } from '../helpers/cli.js';
import { createTestEngine, defineTestKind, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let dir: string;
const tag = randomUUID().slice(0, 8);
const DATA = `ops-data-${tag}`;
const WAITS = `ops-wait-${tag}`;

const waitKind = defineTestKind<Record<string, never>, { ok: boolean }>(
  { name: 'ops.wait', input: { type: 'object' }, output: { type: 'object' }, heartbeatTimeout: '2s' },
  (_input, ctx) =>
    new Promise((_resolve, reject) => {
      const beat = setInterval(() => ctx.heartbeat({ waiting: true }), 300);
      ctx.signal.addEventListener('abort', () => {
        clearInterval(beat);
        reject(ctx.signal.reason);
      });
    }),
);

const dataPipeline = (name: string) => `
name: ${name}
params:
  data: { type: string }
  threshold: { type: integer, default: 2 }
defaults:
  cache: true
steps:
  load:
    uses: data.load_jsonl
    with:
      path: \${{ params.data }}
  keep:
    uses: data.filter
    with:
      dataset: \${{ steps.load.outputs.dataset }}
      where: "item.n > 0"
  big:
    uses: data.filter
    with:
      dataset: \${{ steps.keep.outputs.dataset }}
      where: "item.n > \${{ params.threshold }}"
  side:
    uses: data.sample
    with:
      dataset: \${{ steps.load.outputs.dataset }}
      count: 2
outputs:
  big: \${{ steps.big.outputs.count }}
`;

const flags = () => ['--address', inject('temporalAddress')];

async function startFile(file: string, params: Record<string, unknown>): Promise<string> {
  const { plan } = await compileOrThrow(file);
  const id = `${plan.name}-${randomUUID().slice(0, 8)}`;
  const bound = bindParams(plan, params);
  await startRun(engine.client, { plan, params: bound }, { taskQueue: engine.taskQueue, workflowId: id, memo: {}, attributes: { pipeline: plan.name, params: bound } });
  return id;
}

/** Each step's state when the run ended: `succeeded` ran its kind, `cached` came from the step cache. */
async function states(id: string): Promise<Record<string, string>> {
  const handle = engine.client.workflow.getHandle(id);
  await handle.result().catch(() => undefined);
  const p = await handle.query<RunProgress>('progress');
  return Object.fromEntries(p.steps.map((s) => [s.id, s.state]));
}

/** The run id `rerun` printed. */
const started = (out: string) => out.trim().split('\n').pop()!;

/** Visibility is eventually consistent: list until `want` holds. */
async function listRuns(args: string[], want: (rows: { runId: string; state: string }[]) => boolean): Promise<{ runId: string; state: string; pipeline: string; params: string; continues?: string }[]> {
  let rows: { runId: string; state: string; pipeline: string; params: string }[] = [];
  for (let i = 0; i < 50; i++) {
    const r = await runRepairity(['runs', ...args, '--json', ...flags()]);
    expect(r.error).toBeUndefined();
    rows = JSON.parse(r.stdout || '[]');
    if (want(rows)) return rows;
    await new Promise((res) => setTimeout(res, 200));
  }
  return rows;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-ops-'));
  await fs.writeFile(path.join(dir, 'rows.jsonl'), [1, 2, 3, 4, 5, -1].map((n) => JSON.stringify({ n })).join('\n') + '\n');
  await fs.writeFile(path.join(dir, 'data.yaml'), dataPipeline(DATA));
  engine = await createTestEngine({ kinds: [waitKind] });
});

afterAll(async () => {
  await engine?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('operating runs from the CLI', () => {
  let finished: string;

  it('rerun --force, --from and --param run exactly the steps they should', async () => {
    const file = path.join(dir, 'data.yaml');
    finished = await startFile(file, { data: path.join(dir, 'rows.jsonl') });
    expect(await states(finished)).toEqual({ load: 'succeeded', keep: 'succeeded', big: 'succeeded', side: 'succeeded' });

    const plain = await runRepairity(['rerun', finished, ...flags()]);
    expect(await states(started(plain.stdout))).toEqual({ load: 'cached', keep: 'cached', big: 'cached', side: 'cached' });

    const forced = await runRepairity(['rerun', finished, '--force', 'keep', ...flags()]);
    expect(forced.stderr).toContain('run again: keep');
    // keep's output is the same dataset, so big (which reads it) still comes from the cache.
    expect(await states(started(forced.stdout))).toEqual({ load: 'cached', keep: 'succeeded', big: 'cached', side: 'cached' });

    const from = await runRepairity(['rerun', finished, '--from', 'keep', ...flags()]);
    expect(await states(started(from.stdout))).toEqual({ load: 'cached', keep: 'succeeded', big: 'succeeded', side: 'cached' });

    const param = await runRepairity(['rerun', finished, '--param', 'threshold=4', ...flags()]);
    const paramRun = started(param.stdout);
    expect(await states(paramRun)).toEqual({ load: 'cached', keep: 'cached', big: 'succeeded', side: 'cached' });
    expect((await engine.client.workflow.getHandle(paramRun).result()).outputs).toEqual({ big: 1 });

    // The new run records which run it continues (memo and search attribute).
    const rows = await listRuns(['--pipeline', DATA], (r) => r.some((x) => x.runId === paramRun));
    expect(rows.find((r) => r.runId === paramRun)?.continues).toBe(finished);
    expect((await engine.client.workflow.getHandle(paramRun).describe()).memo).toMatchObject({ rerunOf: finished });

    // Mistakes are named, with what there is.
    expect((await runRepairity(['rerun', finished, '--from', 'kep', ...flags()])).error).toMatch(/no step "kep".*did you mean "keep"/s);
    expect((await runRepairity(['rerun', finished, '--param', 'treshold=1', ...flags()])).error).toMatch(/unknown param "treshold"/);
    expect((await runRepairity(['rerun', finished, '--param', 'threshold=x', ...flags()])).error).toMatch(/must be an integer/);
  });

  it('runs lists a finished, a failed and a running run with their status, and filters', async () => {
    const failed = await startFile(path.join(dir, 'data.yaml'), { data: path.join(dir, 'missing.jsonl') });
    await engine.client.workflow.getHandle(failed).result().catch(() => undefined);
    await fs.writeFile(path.join(dir, 'wait.yaml'), `name: ${WAITS}\nsteps:\n  hold:\n    uses: ops.wait\n`);
    const plan = engine.compile(await fs.readFile(path.join(dir, 'wait.yaml'), 'utf8'), path.join(dir, 'wait.yaml'));
    const running = `${WAITS}-run`;
    await startRun(engine.client, { plan, params: {} }, { taskQueue: engine.taskQueue, workflowId: running, memo: {}, attributes: { pipeline: WAITS, params: {} } });

    const all = await listRuns(['--since', '1h'], (r) => [finished, failed, running].every((id) => r.some((x) => x.runId === id)));
    const state = (id: string) => all.find((r) => r.runId === id)?.state;
    expect([state(finished), state(failed), state(running)]).toEqual(['succeeded', 'failed', 'running']);

    const onlyFailed = await listRuns(['--pipeline', DATA, '--status', 'failed'], (r) => r.length > 0);
    expect(onlyFailed.map((r) => r.runId)).toEqual([failed]);
    const onlyRunning = await listRuns(['--status', 'running', '--pipeline', WAITS], (r) => r.length > 0);
    expect(onlyRunning.map((r) => r.runId)).toEqual([running]);
    expect(onlyRunning[0]).toMatchObject({ pipeline: WAITS, params: expect.stringMatching(/^[0-9a-f]{12}$/) });
    const succeeded = await listRuns(['--pipeline', DATA, '--status', 'succeeded,running'], (r) => r.length >= 5);
    expect(succeeded.map((r) => r.runId)).toContain(finished);
    expect(succeeded.map((r) => r.runId)).not.toContain(failed);
    expect(await listRuns(['--pipeline', DATA, '--since', '2099-01-01'], () => true)).toEqual([]);

    const table = await runRepairity(['runs', '--pipeline', WAITS, ...flags()]);
    expect(table.stdout).toMatch(new RegExp(`${running}\\s+${WAITS}\\s+[0-9a-f]{12}\\s+running`));
    expect((await runRepairity(['runs', '--status', 'done', ...flags()])).error).toMatch(/--status done: not a run state/);

    // cancel says what it stopped, and the run ends cancelled.
    const cancelled = await runRepairity(['cancel', running, '--wait', '60', ...flags()]);
    expect(cancelled.stderr).toContain('stopping hold (ops.wait)');
    expect(cancelled.stdout).toContain(`${running}: cancelled; stopped hold (ops.wait)`);
    expect((await runRepairity(['cancel', running, ...flags()])).error).toMatch(/is not running \(it is cancelled\)/);

    // An id that names no run: one line saying where the runs are listed, not the client's trace.
    for (const command of ['status', 'cancel', 'rerun']) {
      expect((await runRepairity([command, 'no-such-run', ...flags()])).error).toMatch(/no run "no-such-run" on this Temporal server.*`repairity runs` lists/);
    }
  });
});
