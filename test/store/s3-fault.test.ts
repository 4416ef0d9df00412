/**
 * Fault test: the S3 server is killed and restarted in the middle of a multi-gigabyte multipart
 * upload. The upload must complete after retries, and the stored object must hash to what was sent.
 * The data is generated as a stream and never held in memory. REPAIRITY_FAULT_TEST_GIB sets the size
 * (default 2).
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../store/s3-client.js';
import { S3Store } from '../../store/s3.js';
import type { MinioServer } from '../../dev-services/minio.js';
import { startTestMinio as startMinio } from '../helpers/services/minio.js';
import { patternStream } from '../../store/pattern-stream.js';
import { hashStream } from '../../store/streams.js';

const GiB = 1024 ** 3;
const size = Math.round(Number(process.env.REPAIRITY_FAULT_TEST_GIB ?? '2') * GiB);
const bucket = 'fault';

let server: MinioServer;
beforeAll(async () => {
  server = await startMinio();
  await server.createBucket(bucket);
});
afterAll(async () => {
  await server?.stop();
});

describe('S3 store under a server crash', () => {
  it(`completes a ${(size / GiB).toFixed(2)} GiB multipart upload across a server kill and restart, with a matching hash`, async () => {
    const client = createS3Client({
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
      // Retry each request for up to ~45 s: longer than the outage below.
      retry: { maxAttempts: 12, baseDelayMs: 250, maxDelayMs: 5_000 },
    });
    // Count attempts that failed inside the retry loop: proof the outage hit requests in flight.
    let failedAttempts = 0;
    const counter: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        failedAttempts++;
        throw err;
      }
    };
    client.middlewareStack.addRelativeTo(counter, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'countFailedAttempts' });
    const store = new S3Store({ client, bucket, prefix: 'ckpt', partSize: 16 * 1024 * 1024, queueSize: 4 });
    const expected = await hashStream(patternStream(size, 1 << 20, 42));

    let sent = 0;
    let crashed: Promise<void> | undefined;
    const events: string[] = [];
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        sent += chunk.length;
        if (!crashed && sent >= size * 0.35) {
          crashed = (async () => {
            events.push(`kill at ${(sent / GiB).toFixed(2)} GiB`);
            await server.kill();
            await new Promise((r) => setTimeout(r, 3_000));
            await server.restart();
            events.push(`restarted at ${(sent / GiB).toFixed(2)} GiB`);
          })();
        }
        cb(null, chunk);
      },
    });
    const started = Date.now();
    const ref = await store.putContent(patternStream(size, 1 << 20, 42).pipe(meter), { mediaType: 'application/x-checkpoint', run: 'fault', step: 'upload' });
    await crashed;
    const seconds = (Date.now() - started) / 1000;
    console.log(`fault upload: ${events.join(', ')}; ${failedAttempts} failed attempts retried; ${(size / GiB).toFixed(2)} GiB in ${seconds.toFixed(1)} s`);
    expect(events).toHaveLength(2);
    expect(failedAttempts).toBeGreaterThan(0);
    expect(ref.sha256).toBe(expected.sha256);
    expect(ref.size).toBe(size);

    // Read back through the verifying stream: the stored bytes are the sent bytes.
    expect(await hashStream(await store.open(ref.uri))).toEqual(expected);
    expect(await store.stat(ref.uri)).toMatchObject({ size, run: 'fault', step: 'upload' });
    // Nothing half-done is left: no staging object, no pending multipart upload.
    const objects = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'ckpt/.repairity/' }));
    expect(objects.Contents ?? []).toEqual([]);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    client.destroy();
  }, 600_000);

  it('fails with a transient error, not a hang, when the server stays down', async () => {
    const client = createS3Client({
      endpoint: server.endpoint,
      credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
      retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 200 },
    });
    const store = new S3Store({ client, bucket, prefix: 'down' });
    await server.kill();
    try {
      const err = await store.putContent('while down').catch((e: unknown) => e);
      expect((err as Error).name).toBe('TransientError');
      expect((err as { retryable: boolean }).retryable).toBe(true);
    } finally {
      await server.restart();
      client.destroy();
    }
  }, 120_000);
});
