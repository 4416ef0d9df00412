import type { Readable } from 'node:stream';

/** What a step passes to another step instead of the data itself. JSON-serialisable. */
export interface ArtifactRef {
  /** `file:///…/blobs/sha256/…` or `s3://bucket/prefix/blobs/sha256/…` */
  uri: string;
  sha256: string;
  size: number;
  mediaType: string;
}

export interface ArtifactMeta {
  mediaType?: string;
  /** Producing run and step, for lineage. */
  run?: string;
  step?: string;
}

export type Body = Uint8Array | string | Readable;

/**
 * One interface over the local folder store and S3.
 *
 * Two kinds of object live in a store:
 * - content-addressed blobs (`putContent`), immutable, named by their sha256 and verified on read;
 * - named entries (`put`), used for memoised results and run state; a write is atomic (a reader sees
 *   the whole old or the whole new object, never part of one).
 *
 * Keys are store-relative POSIX paths; implementations reject `..`, absolute paths and escapes.
 * Wherever a key is accepted, a URI inside this store is accepted too.
 */
export interface ArtifactStore {
  readonly rootUri: string;
  putContent(body: Body, meta?: ArtifactMeta): Promise<ArtifactRef>;
  put(key: string, body: Body, meta?: ArtifactMeta): Promise<ArtifactRef>;
  /** A stream of the object; content-addressed objects are verified as they are read. */
  open(keyOrUri: string): Promise<Readable>;
  read(keyOrUri: string): Promise<Buffer>;
  exists(keyOrUri: string): Promise<boolean>;
  list(prefix: string): AsyncIterable<string>;
  delete(keyOrUri: string): Promise<void>;
}
