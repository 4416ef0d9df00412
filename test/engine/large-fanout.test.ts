/**
 * A 20,000-item fan-out whose items come by reference from a stored dataset: the run's history
 * stays under 5,000 events (an activity per batch of up to 500 items, none per item).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { echo } from './kinds.js';

const N = 20_000;
const HISTORY_LIMIT = 5_000;
let engine: TestEngine;

beforeAll(async () => {
  engine = await createTestEngine({ kinds: [echo], limits: { cpu: { maxConcurrent: 200 } } });
});
afterAll(async () => engine?.close());

describe('large fan-out', () => {
  it(`runs ${N} items with the run's history under ${HISTORY_LIMIT} events`, async () => {
    const lines = Array.from({ length: N }, (_, i) => JSON.stringify({ id: i })).join('\n');
    const dataset = await engine.store.putContent(`${lines}\n`, { mediaType: 'application/x-ndjson' });
    const plan = engine.compile(`
name: large
params:
  dataset: { type: string }
steps:
  each:
    uses: test.echo
    forEach: "\${{ params.dataset }}"
    concurrency: 64
    cache: false
    with: { value: "\${{ item.id }}" }
outputs:
  count: "\${{ steps.each.outputs.succeeded }}"
  results: "\${{ steps.each.outputs.results }}"
`);
    const handle = await engine.start(plan, { dataset: dataset.uri });
    const result = await handle.result();
    expect(result.outputs.count).toBe(N);
    const parent = await handle.describe();
    expect(parent.historyLength).toBeLessThan(HISTORY_LIMIT);
    const { events } = await handle.fetchHistory();
    const batches = events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'test.echo').length;
    expect(batches).toBe(Math.ceil(N / 500));
    const last = (await engine.store.read(result.outputs.results as string)).toString().trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ index: N - 1, status: 'succeeded', outputs: { value: N - 1 } });
    console.log(`20k fan-out: ${parent.historyLength} history events, ${batches} batch activities`);
  }, 1_200_000);
});
