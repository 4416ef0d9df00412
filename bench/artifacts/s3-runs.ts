/**
 * The S3 half of the artifact bench, against one endpoint (MinIO directly, or through the modelled
 * link): the put of one stream of known hash, as one PutObject (single stream) and as the store's
 * parallel multipart upload; the checkpoint folder's upload one part at a time and multipart; and
 * its verified download.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { pipeline } from 'node:stream/promises';
import { getDirectory, putDirectory } from '../../store/directory.js';
import { createS3Client } from '../../store/s3-client.js';
import { S3Store } from '../../store/s3.js';
import { HashMeter } from '../../store/streams.js';
import { patternStream } from '../../store/pattern-stream.js';
import { freePages, load, printer, timed as timedOnly } from './measure.js';

export interface S3RunOptions {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  /** Distinguishes this run's keys from another run's on the same server. */
  prefix: string;
  src: string;
  bytes: number;
  /** sha256 of `patternStream(bytes, 1 MiB, 99)`. */
  streamSha256: string;
  partSize: number;
  queueSize: number;
  restoreTo: string;
}

export interface S3Figures {
  putSingle: number;
  putMulti: number;
  dirOnePart: number;
  dirMulti: number;
  download: number;
}

export async function runS3(o: S3RunOptions): Promise<S3Figures> {
  const line = printer(o.bytes);
  // Each step starts with as much page cache just freed as MinIO will write (see freePages).
  const timed = async <T>(fn: () => Promise<T>) => {
    await freePages(path.dirname(o.restoreTo), o.bytes);
    return timedOnly(fn);
  };
  const client = createS3Client({ endpoint: o.endpoint, credentials: o.credentials });
  const store = (name: string, queueSize: number) => new S3Store({ client, bucket: o.bucket, prefix: `${o.prefix}/${name}`, partSize: o.partSize, queueSize });
  try {
    // The put alone: the same bytes, hash known, both sides checking it on the way (HashMeter).
    // In the order single, multipart, multipart, single (ABBA), so a drift in the machine's load
    // during the four weighs on both sides alike; each side's figure is the mean of its two.
    let n = 0;
    // Each put's object is deleted afterwards (untimed), so the server's disk does not fill up.
    const single = async () => {
      const key = `${o.prefix}/single-put-${n++}`;
      const t = await timed(async () => {
        const meter = new HashMeter({ sha256: o.streamSha256, artifact: 'single-stream put' });
        await Promise.all([
          pipeline(patternStream(o.bytes, 1 << 20, 99), meter),
          client.send(new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: meter, ContentLength: o.bytes })),
        ]);
      });
      line('put of one stream, single stream (one PutObject)', t.seconds);
      await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: key }));
      return t.seconds;
    };
    const multi = async () => {
      const target = store(`put-multipart-${n++}`, o.queueSize);
      const t = await timed(() => target.putContent(patternStream(o.bytes, 1 << 20, 99), { sha256: o.streamSha256 }));
      line(`put of one stream, multipart (${o.queueSize} parts at once)`, t.seconds);
      await target.delete(t.value.uri);
      return t.seconds;
    };
    const s1 = await single();
    const m1 = await multi();
    const m2 = await multi();
    const s2 = await single();
    const putSingle = { seconds: (s1 + s2) / 2 };
    const putMulti = { seconds: (m1 + m2) / 2 };
    console.log(`  put, multipart speed-up over single stream: ${(putSingle.seconds / putMulti.seconds).toFixed(2)}x (means of two each)   (load ${load()})`);

    // The checkpoint folder end to end (hash pass, tar, upload); multipart first here, so neither side always goes first.
    const dirMulti = await timed(() => putDirectory(store('dir-multipart', o.queueSize), o.src));
    line(`directory upload, multipart (${o.queueSize} parts at once)`, dirMulti.seconds);
    const dirOnePart = await timed(() => putDirectory(store('dir-one-part', 1), o.src));
    line('directory upload, one part at a time', dirOnePart.seconds);
    if (dirOnePart.value.ref.sha256 !== dirMulti.value.ref.sha256) throw new Error('the two directory uploads produced different artifacts');
    console.log(`  directory upload, multipart speed-up over one part at a time: ${(dirOnePart.seconds / dirMulti.seconds).toFixed(2)}x`);
    const download = await timed(() => getDirectory(store('dir-multipart', o.queueSize), dirMulti.value.ref, o.restoreTo));
    line(`directory download (${o.queueSize} ranges at once, verified)`, download.seconds);
    await fs.rm(o.restoreTo, { recursive: true, force: true });
    return { putSingle: putSingle.seconds, putMulti: putMulti.seconds, dirOnePart: dirOnePart.seconds, dirMulti: dirMulti.seconds, download: download.seconds };
  } finally {
    client.destroy();
  }
}
