/** The fan-out arithmetic (engine/fanout.ts): how many batches run at once, their size, their windows, their ids. */
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_SIZE, MIN_BATCH_SIZE, batchActivityId, batchSize, batchWindow, batchesAtOnce, sizeKnownAfter, stepOfBatchActivity } from '../../engine/fanout.js';

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

  it("names a batch's activity after its step and first item, and reads the step back", () => {
    const id = batchActivityId('teach/items', { start: 500, count: 500 });
    expect(id).toBe('teach/items/batch-500');
    expect(stepOfBatchActivity(id)).toBe('teach/items');
    expect(stepOfBatchActivity('teach')).toBeUndefined();
  });
});
