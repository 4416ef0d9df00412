/**
 * A batch's item records: those its earlier attempts wrote (their items are never run again) and
 * this attempt's, counted into the batch's result as they finish and written to the store within
 * a few seconds. Each record is serialized once, as its item finishes; the waiting ones are
 * written as one file (a BatchRecordFile, foreach.ts) when 1 MiB of them waits or 5 s after the
 * last write, and at the batch's end, so a retried or resumed batch runs only the items still owed.
 */
import type { BatchResult } from '../../engine/fanout.js';
import type { ItemRecord } from '../../engine/invocation.js';
import { addUsageTo, spentAnything, zeroUsage, type Usage } from '../../engine/usage.js';
import { readJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';
import type { BatchRecordFile } from './foreach.js';
import { runKeys } from './keys.js';

const FLUSH_BYTES = 1 << 20;
const FLUSH_MS = 5_000;
const MAX_REPORTED_FAILURES = 5;

export interface BatchPlace {
  runId: string;
  stepId: string;
  /** The batch's first item. */
  start: number;
  attempt: number;
}

export class RecordBook {
  readonly result: BatchResult = { succeeded: 0, failed: 0, cached: 0, usage: zeroUsage(), failures: [], budgetExhausted: false };
  /** Items that earlier attempts recorded. */
  private readonly done = new Set<number>();
  private waiting: string[] = [];
  private waitingUsage = zeroUsage();
  private bytes = 0;
  private lastWrite = Date.now();
  private seq = 0;

  private constructor(
    private readonly store: ArtifactStore,
    private readonly place: BatchPlace,
  ) {}

  /** The batch's book, with what its earlier attempts recorded. */
  static async open(store: ArtifactStore, place: BatchPlace): Promise<RecordBook> {
    const book = new RecordBook(store, place);
    for await (const key of store.list(runKeys.batchRecords(place.runId, place.stepId, place.start))) {
      const file = await readJson<BatchRecordFile>(store, key);
      addUsageTo(book.result.usage, file.usage);
      for (const rec of file.records) {
        if (book.done.has(rec.index)) continue;
        book.done.add(rec.index);
        book.count(rec);
      }
    }
    return book;
  }

  /** The items of a batch of `size` still owed, in order; undefined when all are (a first attempt). */
  owed(size: number): number[] | undefined {
    if (this.done.size === 0) return undefined;
    const { start } = this.place;
    return Array.from({ length: size }, (_, i) => start + i).filter((i) => !this.done.has(i));
  }

  /** Adds a finished item's record (its JSON: `line`) and what it spent; returns the write when one is due. */
  add(rec: ItemRecord, line: string, usage: Usage | undefined): Promise<void> | undefined {
    this.count(rec);
    if (usage) addUsageTo(this.waitingUsage, usage);
    this.waiting.push(line);
    this.bytes += line.length;
    return this.bytes >= FLUSH_BYTES || Date.now() - this.lastWrite >= FLUSH_MS ? this.write() : undefined;
  }

  /** Spending with no record of its own (a failed item's), written with the next records; counted in the result now. */
  addUsage(usage: Usage): void {
    addUsageTo(this.result.usage, usage);
    addUsageTo(this.waitingUsage, usage);
  }

  /** Writes what waits (nothing when nothing does). */
  async write(): Promise<void> {
    if (this.waiting.length === 0 && !spentAnything(this.waitingUsage)) return;
    const file = `{"records":[${this.waiting.join(',')}],"usage":${JSON.stringify(this.waitingUsage)}}`;
    const { runId, stepId, start, attempt } = this.place;
    const key = runKeys.batchRecordFile(runId, stepId, start, attempt, this.seq++);
    this.waiting = [];
    this.waitingUsage = zeroUsage();
    this.bytes = 0;
    this.lastWrite = Date.now();
    await this.store.put(key, file, { mediaType: 'application/json' }); // no lineage: the key names the run and step
  }

  private count(rec: ItemRecord): void {
    const { result } = this;
    if (rec.status === 'succeeded') result.succeeded++;
    else {
      result.failed++;
      if (result.failures.length < MAX_REPORTED_FAILURES) result.failures.push({ index: rec.index, message: rec.error?.message ?? 'failed' });
    }
    if (rec.cached) result.cached++;
  }
}
