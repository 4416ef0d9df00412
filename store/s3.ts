import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { PermanentError } from '../core/errors.js';
import { RESERVED_PREFIX, blobKey, isBlobKey, isSha256, stagingKey, userKey } from './keys.js';
import { type CleanStagingOptions, type CleanStagingResult, DEFAULT_STAGING_MAX_AGE_MS, cleanStaging } from './s3-cleanup.js';
import { copyObject } from './s3-copy.js';
import { rangedDownload } from './s3-download.js';
import { uploadStream } from './s3-upload.js';
import { isNotFound, translateS3Error } from './s3-errors.js';
import { HashMeter, collect, hashFile, toReadable, verifying } from './streams.js';
import type { ArtifactInfo, ArtifactMeta, ArtifactRef, ArtifactStore, Body } from './types.js';
import { DEFAULT_MEDIA_TYPE } from './media-types.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface S3StoreOptions {
  /** The client (see `createS3Client`); injected so tests and workers choose its settings. */
  client: S3Client;
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash. Default '' (the bucket root). */
  prefix?: string;
  /** Multipart part size. Default 16 MiB. Memory use of one upload is about partSize x queueSize. */
  partSize?: number;
  /** Parts uploaded at once. Default 4; 1 sends the object as one sequential stream of parts. */
  queueSize?: number;
  /** Objects larger than this are copied (staging -> blob) as a multipart copy. Default 5 GiB, AWS's limit. */
  singleCopyLimit?: number;
  /** Part size of a multipart copy. Default 512 MiB. */
  copyPartSize?: number;
}

/** Parses `s3://bucket/prefix/...` into its bucket and (slash-trimmed) key. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m || !m[1]) throw new PermanentError(`not an s3:// URI: ${uri} (expected s3://bucket/prefix)`);
  return { bucket: m[1], key: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/**
 * The artifact store on S3 or any S3-compatible server.
 *
 * Uploads go through `uploadStream` (s3-upload.ts: multipart, parts in parallel from a small pool of
 * reused buffers, each request retried by the client's retry policy); a multipart upload becomes
 * visible only when it completes and is aborted when it fails. A content-addressed body whose hash is not known up front is uploaded to a
 * staging key under `<prefix>/.repairity/staging/` while it is hashed, then copied server-side to
 * its blob key (skipped when that blob exists) and the staging object deleted. With `meta.sha256`
 * the body goes straight to its blob key and fails before completing if it hashes otherwise.
 * Metadata is S3 object metadata: Content-Type, and `x-amz-meta-sha256`, `-run`, `-step`.
 */
export class S3Store implements ArtifactStore {
  readonly rootUri: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly singleCopyLimit: number;
  private readonly copyPartSize: number;

  constructor(opts: S3StoreOptions) {
    this.client = opts.client;
    this.bucket = opts.bucket;
    this.prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (this.prefix !== '') userKey(this.prefix);
    this.rootUri = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.partSize = Math.max(5 * MiB, opts.partSize ?? 16 * MiB);
    this.queueSize = Math.max(1, opts.queueSize ?? 4);
    this.singleCopyLimit = opts.singleCopyLimit ?? 5 * GiB;
    this.copyPartSize = Math.max(5 * MiB, opts.copyPartSize ?? 512 * MiB);
  }

  private keyOf(keyOrUri: string): string {
    if (keyOrUri.startsWith('s3://')) {
      if (!keyOrUri.startsWith(`${this.rootUri}/`)) {
        throw new PermanentError(`artifact ${keyOrUri} is outside the store at ${this.rootUri}`, { artifact: keyOrUri });
      }
      return userKey(keyOrUri.slice(this.rootUri.length + 1));
    }
    if (/^[a-z0-9+.-]+:\/\//i.test(keyOrUri)) {
      throw new PermanentError(`artifact ${keyOrUri} does not belong to the S3 store at ${this.rootUri}`, { artifact: keyOrUri });
    }
    return userKey(keyOrUri);
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  uriOf(keyOrUri: string): string {
    return `${this.rootUri}/${this.keyOf(keyOrUri)}`;
  }

  /** Uploads a stream to an object key; multipart above one part, aborted on failure (see s3-upload.ts). */
  private async upload(objectKey: string, body: Readable, contentType: string, metadata: Record<string, string>, artifact: string): Promise<void> {
    try {
      await uploadStream({ client: this.client, bucket: this.bucket, key: objectKey, body, contentType, metadata, partSize: this.partSize, queueSize: this.queueSize });
    } catch (err) {
      body.destroy();
      throw translateS3Error(err, 'upload of', artifact);
    }
  }

  /** Pipes a body through a meter into an upload; the first failure of either side wins. */
  private async uploadMetered(objectKey: string, body: Body, meter: HashMeter, contentType: string, metadata: Record<string, string>, artifact: string): Promise<void> {
    const piped = pipeline(toReadable(body), meter);
    const uploaded = this.upload(objectKey, meter, contentType, metadata, artifact);
    const [p, u] = await Promise.allSettled([piped, uploaded]);
    // A failing source or meter (say, a hash mismatch) breaks the upload, which aborts: report the cause.
    if (p.status === 'rejected' && (p.reason as NodeJS.ErrnoException)?.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw p.reason;
    if (u.status === 'rejected') throw u.reason;
    if (p.status === 'rejected') throw p.reason;
  }

  async put(key: string, body: Body, meta: ArtifactMeta = {}): Promise<ArtifactRef> {
    const k = this.keyOf(key);
    if (isBlobKey(k)) throw new PermanentError(`artifact key ${k} is a content address: write it with putContent`, { artifact: k });
    const mediaType = meta.mediaType ?? DEFAULT_MEDIA_TYPE;
    const meter = new HashMeter();
    await this.uploadMetered(this.objectKey(k), body, meter, mediaType, lineageMetadata(meta), this.uriOf(k));
    return { uri: this.uriOf(k), sha256: meter.sha256, size: meter.bytes, mediaType };
  }

  async putContent(body: Body, meta: ArtifactMeta = {}): Promise<ArtifactRef> {
    const mediaType = meta.mediaType ?? DEFAULT_MEDIA_TYPE;
    if (meta.sha256 !== undefined) return this.putKnownContent(body, meta.sha256, mediaType, meta);

    const staging = stagingKey(randomUUID());
    const meter = new HashMeter();
    await this.uploadMetered(this.objectKey(staging), body, meter, mediaType, lineageMetadata(meta), `${this.rootUri} (new content, staged at ${staging})`);
    const sha256 = meter.sha256;
    const key = blobKey(sha256);
    const uri = this.uriOf(key);
    try {
      if (!(await this.exists(key))) {
        await copyObject(this.client, {
          bucket: this.bucket,
          from: this.objectKey(staging),
          to: this.objectKey(key),
          size: meter.bytes,
          contentType: mediaType,
          metadata: { ...lineageMetadata(meta), sha256 },
          singleCopyLimit: this.singleCopyLimit,
          partSize: this.copyPartSize,
          concurrency: this.queueSize,
        }).catch((err: unknown) => {
          throw translateS3Error(err, 'copy of staged upload to', uri);
        });
      }
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(staging) })).catch(() => undefined);
    }
    return { uri, sha256, size: meter.bytes, mediaType };
  }

  private async putKnownContent(body: Body, sha256: string, mediaType: string, meta: ArtifactMeta): Promise<ArtifactRef> {
    if (!isSha256(sha256)) throw new PermanentError(`putContent: sha256 ${JSON.stringify(sha256)} is not a hex sha256`);
    const key = blobKey(sha256);
    const uri = this.uriOf(key);
    const existing = await this.stat(key).catch(() => undefined);
    if (existing) {
      // Already stored: nothing to send.
      if (body instanceof Readable) body.destroy();
      return { uri, sha256, size: existing.size, mediaType };
    }
    const meter = new HashMeter({ sha256, artifact: uri });
    await this.uploadMetered(this.objectKey(key), body, meter, mediaType, { ...lineageMetadata(meta), sha256 }, uri);
    return { uri, sha256, size: meter.bytes, mediaType };
  }

  /** Hashes the file first (a cheap local read), then uploads it straight to its blob key. */
  async putFile(file: string, meta: ArtifactMeta = {}): Promise<ArtifactRef> {
    const sha256 = meta.sha256 ?? (await hashFile(file));
    return this.putContent(createReadStream(file, { highWaterMark: 1 << 20 }), { ...meta, sha256 });
  }

  async getFile(keyOrUri: string, dest: string): Promise<void> {
    const tmp = `${dest}.partial-${randomUUID()}`;
    try {
      await pipeline(await this.open(keyOrUri), createWriteStream(tmp));
      await fs.rename(tmp, dest);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  private async getObject(key: string, range?: string, abortSignal?: AbortSignal): Promise<GetObjectCommandOutput> {
    try {
      return await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), ...(range ? { Range: range } : {}) }),
        abortSignal ? { abortSignal } : {},
      );
    } catch (err) {
      throw translateS3Error(err, 'read of', this.uriOf(key));
    }
  }

  private async get(keyOrUri: string, range?: string): Promise<Readable> {
    return (await this.getObject(this.keyOf(keyOrUri), range)).Body as Readable;
  }

  /**
   * Blobs larger than one part are read as `queueSize` ranges of `partSize` at once, in order
   * (s3-download.ts): one connection carries only so much on real S3. The first range's answer
   * gives the size, so a small blob costs one request as before. Verified either way.
   */
  async open(keyOrUri: string): Promise<Readable> {
    const key = this.keyOf(keyOrUri);
    const expected = isBlobKey(key);
    if (!expected) return this.get(key);
    const uri = this.uriOf(key);
    if (this.queueSize <= 1) return verifying(await this.get(key), expected, uri);
    let first: GetObjectCommandOutput;
    try {
      first = await this.getObject(key, `bytes=0-${this.partSize - 1}`);
    } catch (err) {
      // 416: an empty blob has no byte 0.
      if (statusOf(err) === 416) return verifying(await this.get(key), expected, uri);
      throw err;
    }
    const body = first.Body as Readable;
    // No Content-Range: the server sent the whole object.
    const size = Number(/\/(\d+)$/.exec(first.ContentRange ?? '')?.[1] ?? NaN);
    if (!(size > this.partSize)) return verifying(body, expected, uri);
    const ranged = rangedDownload({
      size,
      first: body,
      firstLength: this.partSize,
      partSize: this.partSize,
      concurrency: this.queueSize,
      fetch: async (start, end, signal) => (await this.getObject(key, `bytes=${start}-${end - 1}`, signal)).Body as Readable,
      artifact: uri,
    });
    return verifying(ranged, expected, uri);
  }

  async openRange(keyOrUri: string, start: number, end: number): Promise<Readable> {
    if (!(start >= 0 && end >= start)) throw new PermanentError(`artifact ${keyOrUri}: bad byte range [${start}, ${end})`, { artifact: keyOrUri });
    if (end === start) return toReadable(Buffer.alloc(0));
    try {
      return await this.get(keyOrUri, `bytes=${start}-${end - 1}`);
    } catch (err) {
      // 416: the range starts at or past the end of the object.
      if (statusOf(err) === 416) {
        return toReadable(Buffer.alloc(0));
      }
      throw err;
    }
  }

  async read(keyOrUri: string): Promise<Buffer> {
    return collect(await this.open(keyOrUri));
  }

  async stat(keyOrUri: string): Promise<ArtifactInfo> {
    const key = this.keyOf(keyOrUri);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      const m = out.Metadata ?? {};
      const sha256 = isBlobKey(key) ?? m.sha256;
      return {
        uri: this.uriOf(key),
        key,
        size: out.ContentLength ?? 0,
        mediaType: out.ContentType ?? DEFAULT_MEDIA_TYPE,
        ...(sha256 ? { sha256 } : {}),
        ...(m.run ? { run: decodeURIComponent(m.run) } : {}),
        ...(m.step ? { step: decodeURIComponent(m.step) } : {}),
      };
    } catch (err) {
      throw translateS3Error(err, 'stat of', this.uriOf(key));
    }
  }

  async exists(keyOrUri: string): Promise<boolean> {
    const key = this.keyOf(keyOrUri);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw translateS3Error(err, 'existence check of', this.uriOf(key));
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const base = prefix === '' ? '' : this.keyOf(prefix);
    const root = this.prefix ? `${this.prefix}/` : '';
    const listPrefix = base === '' ? root : `${root}${base}/`;
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: listPrefix })) {
        for (const obj of page.Contents ?? []) {
          const key = obj.Key?.slice(root.length);
          if (!key || key === RESERVED_PREFIX || key.startsWith(`${RESERVED_PREFIX}/`)) continue;
          yield key;
        }
      }
    } catch (err) {
      throw translateS3Error(err, 'listing of', `${this.rootUri}/${base}`);
    }
  }

  /**
   * Deletes staging objects and aborts multipart uploads under this store's prefix that crashed
   * uploads left behind, if older than `olderThanMs` (default 24 h). Call it at worker start or from
   * a periodic job; see s3-cleanup.ts (and docs/artifacts.md for the lifecycle-rule alternative).
   */
  async cleanStaging(opts: CleanStagingOptions = {}): Promise<CleanStagingResult> {
    try {
      return await cleanStaging(this.client, {
        bucket: this.bucket,
        prefix: this.prefix,
        stagingPrefix: `${this.objectKey(stagingKey(''))}`,
        olderThanMs: opts.olderThanMs ?? DEFAULT_STAGING_MAX_AGE_MS,
      });
    } catch (err) {
      throw translateS3Error(err, 'staging cleanup of', this.rootUri);
    }
  }

  async delete(keyOrUri: string): Promise<void> {
    const key = this.keyOf(keyOrUri);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      if (!isNotFound(err)) throw translateS3Error(err, 'delete of', this.uriOf(key));
    }
  }
}

/** The HTTP status of a translated S3 error (its SDK cause's), if any. */
function statusOf(err: unknown): number | undefined {
  return (err as { cause?: { $metadata?: { httpStatusCode?: number } } }).cause?.$metadata?.httpStatusCode;
}

function lineageMetadata(meta: ArtifactMeta): Record<string, string> {
  return {
    ...(meta.run !== undefined ? { run: encodeURIComponent(meta.run) } : {}),
    ...(meta.step !== undefined ? { step: encodeURIComponent(meta.step) } : {}),
  };
}
