/** Stream pieces both stores share: bodies as streams, hashing on the way through, verification. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { ArtifactIntegrityError, InternalError } from '../core/errors.js';
import type { Body } from './types.js';

export function toReadable(body: Body): Readable {
  if (body instanceof Readable) return body;
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body && !(body instanceof Uint8Array)) {
    // Other stream implementations (streamx, async generators): wrap, keeping errors.
    return Readable.from(body as AsyncIterable<Buffer>, { objectMode: false });
  }
  return Readable.from([typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)]);
}

/** Byte length of a body when it is known without reading it. */
export function knownLength(body: Body): number | undefined {
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (body instanceof Uint8Array) return body.byteLength;
  return undefined;
}

/** A pass-through that hashes and counts what flows through it. */
export class HashMeter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  private digestValue: string | undefined;

  /**
   * With `expected`, the stream fails before it ends when the bytes do not hash to it, so a
   * consumer that only commits on a clean end (a multipart upload, a rename) never commits them.
   */
  constructor(private readonly expected?: { sha256: string; artifact: string }) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: (err?: Error | null) => void): void {
    this.digestValue = this.hash.digest('hex');
    if (this.expected && this.digestValue !== this.expected.sha256) {
      cb(
        new ArtifactIntegrityError(
          `artifact ${this.expected.artifact}: content hash ${this.digestValue} does not match the expected sha256 ${this.expected.sha256}`,
          { artifact: this.expected.artifact },
        ),
      );
      return;
    }
    cb();
  }

  /** The hex sha256, once the stream has ended. */
  get sha256(): string {
    if (this.digestValue === undefined) throw new InternalError('HashMeter: digest read before the stream ended');
    return this.digestValue;
  }
}

/** The error for a content-addressed object whose bytes do not hash to its name. */
export function corruptArtifact(artifact: string, actual: string): ArtifactIntegrityError {
  return new ArtifactIntegrityError(`artifact ${artifact} is corrupt: its content hashes to ${actual}, not to the sha256 it is named by; re-create it (re-run the producing step)`, { artifact });
}

/** Wraps a stored object's stream so that it fails, naming the artifact, if its bytes are not `sha256`. */
export function verifying(source: Readable, sha256: string, artifact: string): Readable {
  const hash = createHash('sha256');
  const verify = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        cb(corruptArtifact(artifact, actual));
      } else cb();
    },
  });
  source.on('error', (e) => verify.destroy(e));
  verify.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  return source.pipe(verify);
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The sha256 and size of everything a stream yields. */
export async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of stream) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

/** The sha256 of a local file, read in 1 MiB pieces. */
export async function hashFile(file: string): Promise<string> {
  return (await hashStream(createReadStream(file, { highWaterMark: 1 << 20 }))).sha256;
}
