/** The fan-out arithmetic (engine/fanout.ts): how many batches run at once, their size, their windows, their ids. */
import { describe, expect, it } from 'vitest';
import { INLINE_EXPANSION_CHARS, MAX_BATCH_SIZE, MIN_BATCH_SIZE, batchActivityId, batchSize, batchWindow, batchesAtOnce, batchesOf, fitsInHistory, literalItems, sizeKnownAfter, stepOfBatchActivity } from '../../engine/fanout.js';

describe('fan-out arithmetic', () => {
  it('runs a batch at once per 8 of concurrency, at most 8', () => {
    expect([1, 8, 9, 16, 24, 64, 65, 500].map(batchesAtOnce)).toEqual([1, 1, 2, 2, 3, 8, 8, 8]);
  });

  it('sizes batches one per runner, within the bounds, and knows the size once enough items are in', () => {
    expect(batchSize(200, 3)).toBe(67);
    expect(batchSize(10, 2)).toBe(MIN_BATCH_SIZE);
    expect(batchSize(20_000, 8)).toBe(MAX_BATCH_SIZE);
    expect(batchSize(sizeKnownAfter(8), 8)).toBe(MAX_BATCH_SIZE);
  });

  it("splits the step's concurrency between the batches at once, adding up to it", () => {
    for (const concurrency of [1, 7, 16, 25, 100]) {
      const atOnce = batchesAtOnce(concurrency);
      const windows = Array.from({ length: atOnce }, (_, slot) => batchWindow(concurrency, atOnce, slot));
      expect(windows.reduce((a, b) => a + b, 0)).toBe(concurrency);
      expect(Math.max(...windows) - Math.min(...windows)).toBeLessThanOrEqual(1);
    }
  });

  it('cuts items into contiguous batches of batchSize, the last one shorter', () => {
    expect(batchesOf(1000, 2)).toEqual([
      { start: 0, count: 500 },
      { start: 500, count: 500 },
    ]);
    expect(batchesOf(60, 2)).toEqual([
      { start: 0, count: 30 },
      { start: 30, count: 30 },
    ]);
    expect(batchesOf(51, 1)).toEqual([{ start: 0, count: 51 }]);
    expect(batchesOf(1201, 8).map((b) => b.count)).toEqual([151, 151, 151, 151, 151, 151, 151, 144]);
    expect(batchesOf(0, 4)).toEqual([]);
  });

  it('takes as literal only a non-empty list with no expression anywhere in it', () => {
    expect(literalItems([1, 'a', { b: [null, true] }])).toEqual({ items: [1, 'a', { b: [null, true] }], chars: 25 });
    expect(literalItems([])).toBeUndefined();
    expect(literalItems('${{ steps.a.outputs.items }}')).toBeUndefined();
    expect(literalItems([1, { b: ['x ${{ params.p }}'] }])).toBeUndefined();
    expect(literalItems({ uri: 'file:///d.jsonl' })).toBeUndefined();
  });

  it('lets a fan-out travel in history while its items and a context per batch fit', () => {
    expect(fitsInHistory(INLINE_EXPANSION_CHARS - 300, 100, 2)).toBe(true);
    expect(fitsInHistory(INLINE_EXPANSION_CHARS - 300, 100, 3)).toBe(false);
  });

  it("names a batch's activity after its step and first item, and reads the step back", () => {
    const id = batchActivityId('teach/items', { start: 500, count: 500 });
    expect(id).toBe('teach/items/batch-500');
    expect(stepOfBatchActivity(id)).toBe('teach/items');
    expect(stepOfBatchActivity('teach')).toBeUndefined();
  });
});
