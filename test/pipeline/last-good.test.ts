import { describe, expect, it } from 'vitest';
import { createBenchmarkSteps } from '../../kinds/benchmarks/index.js';
import type { LastGood } from '../../kinds/benchmarks/last-good.js';
import { getRows, putRows, stepContext, tempStore } from './context.js';
import { loadSettings } from '../../worker/settings.js';

describe('benchmarks.last_good / benchmarks.promote (nightly state)', () => {
  it('a first run starts from the initial model; the pointer moves only when pass@1 does not drop; seen tasks accumulate', async () => {
    const { store } = await tempStore();
    const steps = createBenchmarkSteps({ dataRoot: '.', swebench: loadSettings().swebench });
    const ctx = stepContext(store, 'nightly');
    expect(await steps['benchmarks.last_good']!({ name: 'line', initialModel: 'tiny' }, ctx)).toEqual({ model: 'tiny', passAt1: null, seen: '', promotions: 0, first: true });

    const night1 = await steps['benchmarks.promote']!({ name: 'line', model: 'file:///m1', passAt1: 0.3, startPassAt1: 0.1, tasks: await putRows(store, [{ id: '1' }, { id: '2' }]) }, ctx);
    expect(night1).toMatchObject({ promoted: true, model: 'file:///m1', seenTasks: 2, newTasks: 2 });
    const state = await steps['benchmarks.last_good']!({ name: 'line', initialModel: 'tiny' }, ctx);
    expect(state).toMatchObject({ model: 'file:///m1', passAt1: 0.3, promotions: 1, first: false });

    // a worse night: tasks are consumed, the model stays
    const night2 = await steps['benchmarks.promote']!({ name: 'line', model: 'file:///m2', passAt1: 0.2, startPassAt1: 0.3, tasks: await putRows(store, [{ id: '2' }, { id: '3' }]) }, ctx);
    expect(night2).toMatchObject({ promoted: false, model: 'file:///m1', seenTasks: 3, newTasks: 1 });
    const pointer = JSON.parse((await store.read('models/line/last-good.json')).toString()) as LastGood;
    expect(pointer).toMatchObject({ model: 'file:///m1', passAt1: 0.3, promotions: 1 });
    expect((await getRows<{ id: string }>(store, pointer.seen)).map((r) => r.id).sort()).toEqual(['1', '2', '3']);

    await expect(steps['benchmarks.last_good']!({ name: '../x', initialModel: 'tiny' }, ctx)).rejects.toThrow(/letters, digits/);
  });
});
