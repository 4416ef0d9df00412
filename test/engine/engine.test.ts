/** The interpreter on the real Temporal dev server, with real workers in this process. */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveItems } from '../../cli/live-items.js';
import { readJson } from '../../store/json.js';
import type { RunProgress } from '../../engine/progress.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { echo, flaky, sleeper, tracker } from './kinds.js';
import { saveHistory } from './histories.js';

const track = tracker();
const flake = flaky();
const sleep = sleeper();
let engine: TestEngine;

beforeAll(async () => {
  engine = await createTestEngine({ kinds: [echo, track.kind, flake.kind, sleep.kind] });
});
afterAll(async () => engine?.close());

describe('interpreter workflow', () => {
  it('runs a diamond DAG, joining both branches before the last step', async () => {
    track.state.order.length = 0;
    const plan = engine.compile(`
name: diamond
params:
  greeting: { type: string, default: hello }
steps:
  a: { uses: test.echo, with: { value: "\${{ params.greeting }}" } }
  b: { uses: test.track, with: { label: "b-\${{ steps.a.outputs.value }}", sleepMs: 300 } }
  c: { uses: test.track, with: { label: c, sleepMs: 100 } , needs: a }
  d: { uses: test.echo, needs: [b, c], with: { value: "\${{ steps.b.outputs.label }}+\${{ steps.c.outputs.label }}" } }
outputs:
  joined: "\${{ steps.d.outputs.value }}"
`);
    const handle = await engine.start(plan, { greeting: 'hi' });
    const result = await handle.result();
    expect(result.outputs).toEqual({ joined: 'b-hi+c' });
    expect(result.steps.map((s: { state: string }) => s.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    // b and c ran at the same time: c started before b ended.
    const order = track.state.order;
    expect(order.indexOf('start:c')).toBeLessThan(order.indexOf('end:b-hi'));
    await saveHistory('diamond', handle);
  });

  it('skips a step whose condition is false, and its dependents', async () => {
    const plan = engine.compile(`
name: conditional
params:
  enabled: { type: boolean, default: false }
steps:
  gate: { uses: test.echo, with: { value: 3 } }
  maybe: { uses: test.echo, if: "params.enabled && steps.gate.outputs.value > 2", with: { value: 1 } }
  after: { uses: test.echo, needs: maybe, with: { value: 2 } }
  always: { uses: test.echo, needs: gate, with: { value: 4 } }
`);
    const handle = await engine.start(plan, {});
    const result = await handle.result();
    const states = Object.fromEntries(result.steps.map((s: { id: string; state: string }) => [s.id, s.state]));
    expect(states).toEqual({ gate: 'succeeded', maybe: 'skipped', after: 'skipped', always: 'succeeded' });
    const second = await (await engine.start(plan, { enabled: true })).result();
    expect(second.steps.find((s: { id: string }) => s.id === 'after').state).toBe('succeeded');
    await saveHistory('conditional', handle);
  });

  it('fans out 1,000 items with at most 8 in flight and stores every result', async () => {
    track.state.maxInFlight = 0;
    track.state.calls = 0;
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const literal = engine.compile(`
name: fanout
steps:
  work:
    uses: test.track
    forEach: ${JSON.stringify(items)}
    concurrency: 8
    cache: false
    with: { label: "item-\${{ item }}", sleepMs: 5 }
outputs:
  results: "\${{ steps.work.outputs.results }}"
  count: "\${{ steps.work.outputs.count }}"
`);
    const handle = await engine.start(literal, {});
    const result = await handle.result();
    expect(result.outputs.count).toBe(1000);
    expect(track.state.calls).toBe(1000);
    expect(track.state.maxInFlight).toBeLessThanOrEqual(8);
    expect(track.state.maxInFlight).toBeGreaterThan(1);
    const lines = (await engine.store.read(result.outputs.results as string)).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1000);
    expect(lines[999]).toMatchObject({ index: 999, status: 'succeeded', outputs: { label: 'item-999' } });
    // The literal list is cut by the workflow: its first workflow task schedules the batches
    // without waiting on a local activity (neither an expansion nor the run's preparation).
    const events = (await handle.fetchHistory()).events ?? [];
    const localActivities = events.flatMap((e, at) => (e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? [{ at, type: (JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details!.data!.payloads![0]!.data!).toString()) as { activity_type: string }).activity_type }] : []));
    const firstBatch = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityId === 'work/batch-0');
    expect(localActivities.map((l) => l.type)).not.toContain('repairity.expandForEach');
    expect(localActivities.map((l) => l.type)).toContain('repairity.prepareRun');
    expect(firstBatch).toBeGreaterThan(0);
    expect(localActivities.every((l) => l.at > firstBatch)).toBe(true);
    await saveHistory('fanout', handle);
  });

  it('spreads a high concurrency over batches running at once without exceeding it', async () => {
    track.state.maxInFlight = 0;
    const plan = engine.compile(`
name: batches-at-once
steps:
  work:
    uses: test.track
    forEach: ${JSON.stringify(Array.from({ length: 200 }, (_, i) => i))}
    concurrency: 20
    cache: false
    with: { label: "batch-\${{ item }}", sleepMs: 50 }
outputs:
  count: "\${{ steps.work.outputs.succeeded }}"
  results: "\${{ steps.work.outputs.results }}"
`);
    const handle = await engine.start(plan, {});
    const result = await handle.result();
    expect(result.outputs.count).toBe(200);
    expect(track.state.maxInFlight).toBeLessThanOrEqual(20);
    expect(track.state.maxInFlight).toBeGreaterThan(8);
    const lines = (await engine.store.read(result.outputs.results as string)).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l: { index: number }) => l.index)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // Three batches of about 67 items each, at once: every batch ran as one activity.
    const { events } = await handle.fetchHistory();
    const batches = events!.map((e) => e.activityTaskScheduledEventAttributes).filter((a) => a?.activityType?.name === 'test.track');
    expect(batches.map((a) => a!.activityId)).toEqual(['work/batch-0', 'work/batch-67', 'work/batch-134']);
  });

  it('retries a step that fails twice, then succeeds', async () => {
    const result = await engine.run(`
name: flaky
steps:
  f:
    uses: test.flaky
    with: { failures: 2 }
    retry: { attempts: 5, initialInterval: 100ms, backoff: 1.5 }
`);
    expect(result.steps[0]!.state).toBe('succeeded');
    expect([...flake.attempts.values()].at(-1)).toBe(3);
  });

  it('keeps per-item retries and timeouts inside a batch: only the failing items run again', async () => {
    const result = await engine.run(`
name: batch-items
steps:
  flaky:
    uses: test.flaky
    forEach: [0, 1, 2, 3, 4, 5]
    with: { failures: "\${{ item == 2 && 2 || 0 }}" }
    retry: { attempts: 4, initialInterval: 100ms }
    cache: false
  slow:
    uses: test.sleep
    forEach: [0, 1, 2]
    with: { ms: "\${{ item == 1 && 20000 || 10 }}" }
    timeout: 1s
    retry: { attempts: 2, initialInterval: 100ms }
    continueOnError: true
    cache: false
outputs:
  slowResults: "\${{ steps.slow.outputs.results }}"
`);
    const runAttempts = [...flake.attempts.entries()].filter(([key]) => key.includes(`${result.runId}/flaky/`));
    expect(Object.fromEntries(runAttempts.map(([key, n]) => [key.split('/').at(-1), n]))).toEqual({ 0: 1, 1: 1, 2: 3, 3: 1, 4: 1, 5: 1 });
    const slow = (await engine.store.read(result.outputs.slowResults as string)).toString().trim().split('\n').map((l) => JSON.parse(l) as { index: number; status: string; error?: { message: string } });
    expect(slow.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(slow[1]!.error!.message).toMatch(/timed out after 1000 ms.*attempt 2 of 2/);
    // The item over its time limit was told to stop (its signal aborted), on each attempt.
    expect(sleep.state.aborted).toBeGreaterThanOrEqual(2);
  });

  it('fails fast on a non-retryable error, naming the step', async () => {
    const before = flake.attempts.size;
    const started = Date.now();
    const err = await engine
      .run(`
name: broken
steps:
  bad:
    uses: test.flaky
    with: { failures: 0, permanent: true }
    retry: { attempts: 10, initialInterval: 2s }
  after: { uses: test.echo, needs: bad, with: { value: 1 } }
`)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const message = String((err as WorkflowFailedError).cause?.message);
    expect(message).toContain('step "bad"');
    expect(message).toContain('fix "failures" in the pipeline');
    expect(message).toContain('step "after": not run: step "bad" failed');
    expect(Date.now() - started).toBeLessThan(5000);
    const attempts = [...flake.attempts.entries()].slice(before).map(([, n]) => n);
    expect(attempts).toEqual([1]);
  });

  it('binds the params of a run started with a plan and unbound params, and fails one whose client bound them wrongly', async () => {
    const plan = engine.compile(`
name: params
params:
  greeting: { type: string, default: hello }
  times: { type: integer }
steps:
  say: { uses: test.echo, with: { value: "\${{ params.greeting }} x\${{ params.times }}" } }
outputs:
  said: "\${{ steps.say.outputs.value }}"
`);
    // Unbound (a default missing): the worker binds them before any step starts.
    const unbound = await engine.client.workflow.execute('runPipeline', { taskQueue: engine.taskQueue, workflowId: `test-unbound-${Date.now()}`, args: [{ plan, params: { times: 2 } }] });
    expect(unbound.outputs).toEqual({ said: 'hello x2' });
    // Every param named, one of the wrong type: the steps start beside the worker's check, which fails the run.
    const err = await engine.client.workflow
      .execute('runPipeline', { taskQueue: engine.taskQueue, workflowId: `test-misbound-${Date.now()}`, args: [{ plan, params: { greeting: 'hi', times: 'two' } }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toContain('param "times" must be an integer');
  });

  it('cancels running steps when the run is cancelled', async () => {
    const plan = engine.compile(`
name: long
steps:
  s: { uses: test.sleep, with: { ms: 60000 }, heartbeatTimeout: 2s, cache: false }
`);
    const before = { ...sleep.state };
    const handle = await engine.start(plan, {});
    for (let i = 0; i < 100 && sleep.state.started === before.started; i++) await new Promise((r) => setTimeout(r, 100));
    expect(sleep.state.started).toBe(before.started + 1);
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(sleep.state.aborted).toBe(before.aborted + 1);
  });

  it('answers the progress query with step states and item counts', async () => {
    const plan = engine.compile(`
name: progress
steps:
  work: { uses: test.track, forEach: [1, 2, 3], with: { sleepMs: 1 }, cache: false }
`);
    const handle = await engine.start(plan, {});
    await handle.result();
    const progress = await handle.query('progress');
    expect(progress).toMatchObject({ pipeline: 'progress', state: 'succeeded', steps: [{ id: 'work', state: 'succeeded', items: { total: 3, succeeded: 3, failed: 0 } }] });
    await saveHistory('progress', handle);
  });

  it('shows items finishing inside a running batch, before the batch completes', async () => {
    const plan = engine.compile(`
name: live
steps:
  work: { uses: test.track, forEach: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], concurrency: 2, with: { sleepMs: 400 }, cache: false }
`);
    const handle = await engine.start(plan, {});
    const seen: number[] = [];
    for (let done = false; !done; ) {
      const progress = await handle.query<RunProgress>('progress').catch(() => undefined);
      const step = progress?.steps[0];
      if (step?.state === 'running') {
        const live = (await liveItems(engine.client, handle.workflowId, progress!.steps)).get('work');
        // The run counts nothing until its one batch ends: these counts come from heartbeats.
        if (live) seen.push(step.items!.succeeded + live.succeeded);
      }
      done = step !== undefined && step.state !== 'running' && step.state !== 'pending';
      await new Promise((r) => setTimeout(r, 250));
    }
    await handle.result();
    expect(seen.some((n) => n > 0 && n < 14)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await saveHistory('live-batches', handle);
  });

  it('memoises a step with cache: true across runs, and reports it as cached', async () => {
    const yaml = `
name: cached
steps:
  a: { uses: test.track, with: { label: cached-once, sleepMs: 1 }, cache: true }
`;
    const calls = track.state.calls;
    const first = await engine.run(yaml);
    const second = await engine.run(yaml);
    expect(first.steps[0]!.state).toBe('succeeded');
    expect(second.steps[0]!.state).toBe('cached');
    expect(track.state.calls).toBe(calls + 1);
    const records = await Promise.all((await collect(engine.store.list('cache/steps'))).map((k) => readJson(engine.store, k)));
    expect(records).toContainEqual(expect.objectContaining({ outputs: { label: 'cached-once' } }));
  });
});

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of it) out.push(x);
  return out;
}
