/** Unit tests of the per-worker item limit that chunks of forEach items run under. */
import { describe, expect, it } from 'vitest';
import { ItemSlots } from '../../activities/runtime/item-slots.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ItemSlots', () => {
  it('never runs more than its concurrency at once, and runs everything', async () => {
    const slots = new ItemSlots({ concurrency: 3 });
    let running = 0;
    let most = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        slots.run(async () => {
          most = Math.max(most, ++running);
          await sleep(5);
          running--;
          return i;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('spaces starts by its rate', async () => {
    const slots = new ItemSlots({ concurrency: 10, perSecond: 50 });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => slots.run(async () => void starts.push(performance.now()))));
    // Six starts at 50/s span at least five gaps of 20 ms.
    expect(starts[5]! - starts[0]!).toBeGreaterThanOrEqual(95);
  });

  it('gives up waiting when cancelled, without running the work, and frees nothing it did not take', async () => {
    const slots = new ItemSlots({ concurrency: 1 });
    let release!: () => void;
    const first = slots.run(() => new Promise<void>((r) => (release = r)));
    const abort = new AbortController();
    let ran = false;
    const second = slots.run(async () => void (ran = true), abort.signal);
    abort.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    release();
    await first;
    expect(ran).toBe(false);
    // The slot is free again: a third run starts at once.
    await slots.run(async () => undefined);
  });

  it('refuses limits that cannot work', () => {
    expect(() => new ItemSlots({ concurrency: 0 })).toThrow(RangeError);
    expect(() => new ItemSlots({ concurrency: 1, perSecond: 0 })).toThrow(RangeError);
  });
});
