/**
 * Parallel ranged download of one immutable object, as one ordered stream: up to `concurrency`
 * byte ranges of `partSize` are fetched at once (separate requests, so separate connections) and
 * their bytes are emitted in order. AWS's S3 performance guide recommends exactly this for large
 * objects, since one connection carries only so much. Memory is bounded by about
 * `partSize x concurrency`. Only for content-addressed blobs: they never change, and the caller
 * verifies the whole stream against the blob's sha256, so a range that came back wrong is caught.
 */
import { Readable } from 'node:stream';
import { TransientError } from '../core/errors.js';

export interface RangedDownloadOptions {
  /** The object's size in bytes. */
  size: number;
  /** The first range's body, already requested ([0, firstLength)). */
  first: Readable;
  firstLength: number;
  partSize: number;
  concurrency: number;
  /** Fetches bytes [start, end) of the object. */
  fetch(start: number, end: number, signal: AbortSignal): Promise<Readable>;
  /** Names the object in errors. */
  artifact: string;
}

async function collectRange(body: Readable, length: number, artifact: string, start: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    got += (chunk as Buffer).length;
  }
  if (got !== length) throw new TransientError(`ranged read of ${artifact} at byte ${start}: got ${got} bytes, expected ${length}`, { artifact });
  return chunks;
}

export function rangedDownload(o: RangedDownloadOptions): Readable {
  const controller = new AbortController();
  async function* ranges(): AsyncGenerator<Buffer> {
    const pending: Promise<Buffer[]>[] = [];
    let next = o.firstLength;
    const startNext = (): void => {
      const start = next;
      const end = Math.min(o.size, start + o.partSize);
      next = end;
      const p = o.fetch(start, end, controller.signal).then((body) => collectRange(body, end - start, o.artifact, start));
      // Rejections are seen when the range's turn comes; until then they must not count as unhandled.
      p.catch(() => undefined);
      pending.push(p);
    };
    try {
      while (next < o.size && pending.length < o.concurrency - 1) startNext();
      // The first range streams through as it arrives, while the next ones download.
      let got = 0;
      for await (const chunk of o.first) {
        got += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (got !== o.firstLength) throw new TransientError(`ranged read of ${o.artifact} at byte 0: got ${got} bytes, expected ${o.firstLength}`, { artifact: o.artifact });
      while (pending.length > 0) {
        const chunks = await pending.shift()!;
        while (next < o.size && pending.length < o.concurrency - 1) startNext();
        yield* chunks;
      }
    } finally {
      // Stopped early (an error, or the consumer destroyed the stream): cancel what is in flight.
      controller.abort();
      o.first.destroy();
    }
  }
  return Readable.from(ranges(), { objectMode: false });
}
