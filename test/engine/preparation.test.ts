/** A run's preparation (workflows/preparation.ts): asked once, late for a bound run, with the first local activity. */
import { describe, expect, it } from 'vitest';
import type { EngineActivities } from '../../activities/runtime/engine-activities.js';
import type { RunChecked } from '../../engine/invocation.js';
import { Preparation } from '../../workflows/preparation.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Preparation', () => {
  it('asks once, and settles only once asked', async () => {
    let asked = 0;
    const preparation = new Preparation(async () => {
      asked++;
      return { announceEnd: true } satisfies RunChecked;
    });
    let settled = false;
    void preparation.settled.then(() => (settled = true));
    await tick();
    expect([asked, settled, preparation.result]).toEqual([0, false, undefined]);
    const first = preparation.ask();
    expect(preparation.ask()).toBe(first);
    await expect(first).resolves.toEqual({ announceEnd: true });
    await tick();
    expect([asked, settled, preparation.result]).toEqual([1, true, { announceEnd: true }]);
  });

  it('asks before any engine activity is called, so the two run at once', async () => {
    const calls: string[] = [];
    const preparation = new Preparation(async () => {
      calls.push('prepareRun');
      return { announceEnd: false };
    });
    const activities = { 'repairity.collectForEach': async () => calls.push('collectForEach') } as unknown as EngineActivities;
    await preparation.askingFirst(activities)['repairity.collectForEach']({ run: { runId: 'r', planHash: 'h' }, stepId: 's', count: 0, batches: [] });
    await preparation.askingFirst(activities)['repairity.collectForEach']({ run: { runId: 'r', planHash: 'h' }, stepId: 's', count: 0, batches: [] });
    expect(calls).toEqual(['prepareRun', 'collectForEach', 'collectForEach']);
  });

  it('passes a failed preparation on to whoever waits for it', async () => {
    const preparation = new Preparation(() => Promise.reject(new Error('params do not bind')));
    const waiting = expect(preparation.settled).rejects.toThrow('params do not bind');
    await expect(preparation.ask()).rejects.toThrow('params do not bind');
    await waiting;
    expect(preparation.result).toBeUndefined();
  });
});
