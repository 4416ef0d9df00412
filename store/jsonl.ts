/**
 * Streaming JSONL datasets over an ArtifactStore: records are read and written as async iterables,
 * never held whole. Writing also stores a small block index beside the data (per block of records:
 * byte offset, length and sha256), so that a batch can read records [start, end) by reference with
 * ranged reads of just its blocks, each verified against its hash before a record of it is used.
 * Datasets written elsewhere get their index built (and stored) on first ranged read or count.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ArtifactIntegrityError, PermanentError } from '../core/errors.js';
import { isBlobKey, userKey } from './keys.js';
import type { ArtifactMeta, ArtifactRef, ArtifactStore } from './types.js';

export const JSONL_MEDIA_TYPE = 'application/x-ndjson';

export interface JsonlBlock {
  /** Byte offset of the block's first line. */
  offset: number;
  /** Bytes in the block, newlines included. */
  length: number;
  /** Index of the block's first record. */
  first: number;
  /** Records in the block. */
  count: number;
  sha256: string;
}

export interface JsonlIndex {
  version: 1;
  /** The sha256 of the whole dataset the index describes. */
  dataSha256: string;
  records: number;
  size: number;
  blocks: JsonlBlock[];
}

export interface JsonlWriteOptions {
  /** A block ends after this many records. Default 1000. */
  blockRecords?: number;
  /** …or once it holds this many bytes. Default 4 MiB (the most a ranged reader buffers at once). */
  blockBytes?: number;
}

export interface JsonlDataset {
  ref: ArtifactRef;
  count: number;
  /** Where the block index is stored. */
  index: string;
}

/** The key of a dataset's block index, from the dataset's sha256. */
export function jsonlIndexKey(sha256: string): string {
  return `indexes/jsonl/${sha256}.json`;
}

interface Line {
  /** The line without its newline (and without a trailing CR). */
  text: Buffer;
  offset: number;
  /** Bytes consumed, newline included. */
  length: number;
}

/** Splits a byte stream into lines, with byte offsets. Holds at most one partial line. */
async function* splitLines(source: AsyncIterable<Buffer | string>, startOffset = 0): AsyncIterable<Line> {
  let pending: Buffer = Buffer.alloc(0);
  let offset = startOffset;
  for await (const chunk of source) {
    const buf = pending.length ? Buffer.concat([pending, Buffer.from(chunk)]) : Buffer.from(chunk);
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
      const end = nl > from && buf[nl - 1] === 13 ? nl - 1 : nl;
      yield { text: buf.subarray(from, end), offset, length: nl + 1 - from };
      offset += nl + 1 - from;
      from = nl + 1;
    }
    pending = Buffer.from(buf.subarray(from));
  }
  if (pending.length) {
    const end = pending[pending.length - 1] === 13 ? pending.length - 1 : pending.length;
    yield { text: pending.subarray(0, end), offset, length: pending.length };
  }
}

function isBlank(text: Buffer): boolean {
  for (const b of text) if (b !== 32 && b !== 9) return false;
  return true;
}

function parse(text: Buffer, lineNo: number, uri: string): unknown {
  try {
    return JSON.parse(text.toString('utf8'));
  } catch {
    throw new PermanentError(`line ${lineNo} of ${uri} is not valid JSON`, { artifact: uri });
  }
}

/**
 * Builds block boundaries as lines go by. Blank lines belong to the block they are in but are not
 * records, so record numbers count only non-blank lines.
 */
class BlockBuilder {
  readonly blocks: JsonlBlock[] = [];
  records = 0;
  size = 0;
  private hash = createHash('sha256');
  private block: Omit<JsonlBlock, 'sha256'> | undefined;

  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {}

  add(line: Line, isRecord: boolean): void {
    if (!this.block) this.block = { offset: line.offset, length: 0, first: this.records, count: 0 };
    this.block.length += line.length;
    this.hash.update(line.text);
    // Hash the exact bytes of the line ending too (the text excludes it).
    this.hash.update(this.endingOf(line));
    if (isRecord) {
      this.block.count++;
      this.records++;
    }
    this.size = line.offset + line.length;
    if (this.block.count >= this.maxRecords || this.block.length >= this.maxBytes) this.close();
  }

  private endingOf(line: Line): Buffer {
    const extra = line.length - line.text.length;
    return extra === 2 ? CRLF : extra === 1 ? LF : EMPTY;
  }

  close(): void {
    if (!this.block) return;
    this.blocks.push({ ...this.block, sha256: this.hash.digest('hex') });
    this.block = undefined;
    this.hash = createHash('sha256');
  }
}

const LF = Buffer.from('\n');
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

/** Writes records (one JSON value each) as a content-addressed JSONL artifact with its block index. */
export async function writeJsonl(
  store: ArtifactStore,
  records: AsyncIterable<unknown> | Iterable<unknown>,
  meta: ArtifactMeta = {},
  opts: JsonlWriteOptions = {},
): Promise<JsonlDataset> {
  const builder = new BlockBuilder(opts.blockRecords ?? 1000, opts.blockBytes ?? 4 * 1024 * 1024);
  let offset = 0;
  async function* lines(): AsyncIterable<Buffer> {
    for await (const r of records) {
      const json = JSON.stringify(r);
      if (json === undefined) throw new PermanentError(`record ${builder.records} is not JSON-serialisable`);
      const text = Buffer.from(json, 'utf8');
      const length = text.length + 1;
      builder.add({ text, offset, length }, true);
      offset += length;
      yield Buffer.concat([text, LF]);
    }
  }
  const ref = await store.putContent(Readable.from(lines()), { mediaType: JSONL_MEDIA_TYPE, ...meta, sha256: undefined });
  builder.close();
  const index: JsonlIndex = { version: 1, dataSha256: ref.sha256, records: builder.records, size: ref.size, blocks: builder.blocks };
  const key = jsonlIndexKey(ref.sha256);
  await store.put(key, JSON.stringify(index), { mediaType: 'application/json', ...lineage(meta) });
  return { ref, count: builder.records, index: store.uriOf(key) };
}

/** The records of a JSONL artifact, streamed. For a blob, the stream fails at its end if the bytes are corrupt. */
export async function* readJsonl<T = unknown>(store: ArtifactStore, uri: string): AsyncIterable<T> {
  let lineNo = 0;
  for await (const line of splitLines(await store.open(uri))) {
    lineNo++;
    if (isBlank(line.text)) continue;
    yield parse(line.text, lineNo, uri) as T;
  }
}

/** Reads, or builds and stores, the block index of a content-addressed JSONL artifact. */
export async function jsonlIndex(store: ArtifactStore, uri: string, opts: JsonlWriteOptions = {}): Promise<JsonlIndex> {
  const sha = shaOf(store, uri);
  const key = jsonlIndexKey(sha);
  let stored: JsonlIndex | undefined;
  try {
    stored = JSON.parse((await store.read(key)).toString('utf8')) as JsonlIndex;
  } catch {
    stored = undefined;
  }
  if (stored?.version === 1 && stored.dataSha256 === sha) return stored;
  const builder = new BlockBuilder(opts.blockRecords ?? 1000, opts.blockBytes ?? 4 * 1024 * 1024);
  let size = 0;
  for await (const line of splitLines(await store.open(uri))) {
    builder.add(line, !isBlank(line.text));
    size = line.offset + line.length;
  }
  builder.close();
  const index: JsonlIndex = { version: 1, dataSha256: sha, records: builder.records, size, blocks: builder.blocks };
  await store.put(key, JSON.stringify(index), { mediaType: 'application/json' });
  return index;
}

/** Number of records, from the index (built on first use). */
export async function countJsonl(store: ArtifactStore, uri: string): Promise<number> {
  return (await jsonlIndex(store, uri)).records;
}

/**
 * Records [start, end) of a content-addressed JSONL artifact, read with ranged reads of only the
 * blocks that hold them; each block is verified against its sha256 before any of its records is
 * yielded (so at most one block, `blockBytes`, is buffered). `end` is clamped to the record count.
 */
export async function* readJsonlRange<T = unknown>(store: ArtifactStore, uri: string, start: number, end: number): AsyncIterable<T> {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) {
    throw new PermanentError(`bad record range [${start}, ${end}) of ${uri}`, { artifact: uri });
  }
  const index = await jsonlIndex(store, uri);
  const stop = Math.min(end, index.records);
  if (start >= stop) return;
  // Contiguous blocks from the first that holds record `start` to the last that holds `stop - 1`.
  const from = index.blocks.findIndex((b) => b.count > 0 && b.first + b.count > start);
  let to = from;
  while (to + 1 < index.blocks.length && index.blocks[to + 1]!.first < stop) to++;
  const blocks = from === -1 ? [] : index.blocks.slice(from, to + 1);
  const firstBlock = blocks[0];
  const lastBlock = blocks[blocks.length - 1];
  if (!firstBlock || !lastBlock) return;
  const stream = await store.openRange(uri, firstBlock.offset, lastBlock.offset + lastBlock.length);
  let b = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flushBlock = function* (block: JsonlBlock, bytes: Buffer): Iterable<T> {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== block.sha256) {
      throw new ArtifactIntegrityError(
        `artifact ${uri} is corrupt: bytes ${block.offset}-${block.offset + block.length} (records ${block.first}-${block.first + block.count - 1}) hash to ${actual}, not ${block.sha256}`,
        { artifact: uri },
      );
    }
    let record = block.first;
    let lineInBlock = 0;
    let from = 0;
    while (from < bytes.length) {
      let nl = bytes.indexOf(10, from);
      if (nl === -1) nl = bytes.length;
      let text = bytes.subarray(from, nl);
      if (text.length && text[text.length - 1] === 13) text = text.subarray(0, text.length - 1);
      from = nl + 1;
      lineInBlock++;
      if (isBlank(text)) continue;
      if (record >= start && record < stop) yield parse(text, lineInBlock, `${uri} (block at byte ${block.offset})`) as T;
      record++;
    }
  };
  try {
    for await (const chunk of stream) {
      let buf = chunk as Buffer;
      while (buf.length > 0) {
        const block = blocks[b];
        if (!block) break;
        const need = block.length - pendingBytes;
        pending.push(buf.subarray(0, need));
        pendingBytes += Math.min(need, buf.length);
        buf = buf.subarray(need);
        if (pendingBytes === block.length) {
          yield* flushBlock(block, Buffer.concat(pending));
          pending = [];
          pendingBytes = 0;
          b++;
        }
      }
    }
  } finally {
    stream.destroy();
  }
  if (b < blocks.length) {
    throw new ArtifactIntegrityError(`artifact ${uri} is shorter than its index says (truncated?): re-create it`, { artifact: uri });
  }
}

function shaOf(store: ArtifactStore, uri: string): string {
  const rel = store.uriOf(uri).slice(store.rootUri.length + 1);
  const sha = isBlobKey(userKey(rel));
  if (!sha) throw new PermanentError(`ranged reads and counts need a content-addressed JSONL artifact (…/blobs/sha256/…), got ${uri}`, { artifact: uri });
  return sha;
}

function lineage(meta: ArtifactMeta): { run?: string; step?: string } {
  return { ...(meta.run !== undefined ? { run: meta.run } : {}), ...(meta.step !== undefined ? { step: meta.step } : {}) };
}
