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
  /**
   * `putContent` only: the body's sha256 when the caller knows it up front (a file it has hashed).
   * The store then writes straight under the blob key, and refuses (writing nothing) a body whose
   * bytes do not hash to it. Without it the store hashes while it uploads to a staging key.
   */
  sha256?: string;
}

/** What a store knows about one object (`stat`). */
export interface ArtifactInfo {
  uri: string;
  /** Store-relative key. */
  key: string;
  size: number;
  mediaType: string;
  /** Set for content-addressed objects (and for named ones whose writer recorded it). */
  sha256?: string;
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
  /**
   * A stream of the object; content-addressed objects are verified as they are read (the stream
   * fails with `ArtifactIntegrityError`, naming the artifact, before it ends if the bytes differ).
   */
  open(keyOrUri: string): Promise<Readable>;
  /**
   * Bytes [start, end) of the object, NOT verified: the caller checks them (the JSONL index holds
   * per-block hashes for this). `end` is clamped to the object's size.
   */
  openRange(keyOrUri: string, start: number, end: number): Promise<Readable>;
  read(keyOrUri: string): Promise<Buffer>;
  /** Size, media type and lineage of an object; `ArtifactNotFoundError` when there is none. */
  stat(keyOrUri: string): Promise<ArtifactInfo>;
  exists(keyOrUri: string): Promise<boolean>;
  /** Keys under a folder-like prefix ('' for all), in no guaranteed order. */
  list(prefix: string): AsyncIterable<string>;
  delete(keyOrUri: string): Promise<void>;
  /** The URI of a key in this store. */
  uriOf(keyOrUri: string): string;
  /** Stores a local file as a content-addressed blob (the store picks the fastest safe way). */
  putFile(file: string, meta?: ArtifactMeta): Promise<ArtifactRef>;
  /** Copies an object to a local file, verified like `open`; `dest` appears only once verified. */
  getFile(keyOrUri: string, dest: string): Promise<void>;
  /**
   * How `putDirectory` lays out directory artifacts in this store by default: one tar blob
   * (`tar`, best over a network) or one blob per file (`files`, best on a local disk). Default tar.
   */
  readonly directoryLayout?: 'tar' | 'files';
}
