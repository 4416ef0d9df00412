import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PermanentError } from '../../core/errors.js';
import { blobKey } from '../../store/keys.js';
import { openStore } from '../../store/open.js';
import { createS3Client } from '../../store/s3-client.js';
import { readS3Settings } from '../../store/s3-settings.js';
import { S3Store, parseS3Uri } from '../../store/s3.js';
import { patternStream } from '../../store/pattern-stream.js';
import { hashStream } from '../../store/streams.js';
import { storeContract } from './contract.js';

const endpoint = inject('minioEndpoint');
const bucket = inject('minioBucket');
const settings = readS3Settings({
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: inject('minioAccessKey'),
  AWS_SECRET_ACCESS_KEY: inject('minioSecretKey'),
});
const client = createS3Client(settings);
const raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: settings.credentials! });
afterAll(() => {
  client.destroy();
  raw.destroy();
});

let prefix = '';
function freshStore(extra: Partial<ConstructorParameters<typeof S3Store>[0]> = {}): S3Store {
  prefix = `contract/${randomUUID()}`;
  // Small parts so that the contract's 23 MiB body goes up as a parallel multipart upload.
  return new S3Store({ client, bucket, prefix, partSize: 5 * 1024 * 1024, queueSize: 4, ...extra });
}

storeContract('S3 (MinIO)', {
  store: () => freshStore(),
  corrupt: async (key, bytes) => {
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}`, Body: bytes }));
  },
});

describe('S3 store specifics', () => {
  it('reads the standard AWS settings and opens s3:// roots', async () => {
    expect(readS3Settings({ AWS_ENDPOINT_URL_S3: 'http://a', AWS_ENDPOINT_URL: 'http://b', AWS_DEFAULT_REGION: 'eu-west-1', REPAIRITY_S3_FORCE_PATH_STYLE: 'false' })).toEqual({
      endpoint: 'http://a',
      region: 'eu-west-1',
      forcePathStyle: false,
    });
    expect(parseS3Uri('s3://b/p/q/')).toEqual({ bucket: 'b', key: 'p/q' });
    const store = await openStore(`s3://${bucket}/opened/${randomUUID()}`, { s3: settings });
    const ref = await store.putContent('via openStore', { mediaType: 'text/plain' });
    expect(ref.uri.startsWith(`s3://${bucket}/opened/`)).toBe(true);
    expect((await store.read(ref.uri)).toString()).toBe('via openStore');
    await expect(openStore('s3://')).rejects.toBeInstanceOf(PermanentError);
  });

  it('leaves no staging object and no pending multipart upload behind, also when the producer fails', async () => {
    const store = freshStore();
    await store.putContent(patternStream(12 * 1024 * 1024));
    await expect(
      store.putContent(
        (async function* () {
          yield Buffer.alloc(11 * 1024 * 1024, 1);
          throw new Error('producer crashed');
        })() as unknown as Readable,
      ),
    ).rejects.toThrow();
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length + 1));
    expect(keys.filter((k) => k.startsWith('.repairity/'))).toEqual([]);
    expect(keys).toHaveLength(1);
    const uploads = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${prefix}/` }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('uploads bodies on and around part boundaries, one part at a time and in parallel', async () => {
    const part = 5 * 1024 * 1024;
    for (const queueSize of [1, 3]) {
      const store = freshStore({ partSize: part, queueSize });
      for (const size of [0, 1, part - 1, part, part + 1, 2 * part, 3 * part + 7]) {
        // Chunks that do not divide the part size (a multiple of 4: the generator writes 32-bit words).
        const expected = await hashStream(patternStream(size, 64 * 1024 + 4, size));
        const ref = await store.putContent(patternStream(size, 64 * 1024 + 4, size));
        expect(ref).toMatchObject({ sha256: expected.sha256, size });
        expect(await hashStream(await store.open(ref.uri))).toEqual(expected);
      }
    }
  });

  it('aborts the multipart upload when a part fails, leaving no object and no pending upload', async () => {
    const failing = createS3Client(settings);
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && (args.input as { PartNumber?: number }).PartNumber === 2) throw new Error('part 2 lost');
        return next(args);
      },
      { step: 'initialize', name: 'failPartTwo' },
    );
    try {
      const store = new S3Store({ client: failing, bucket, prefix: `contract/${randomUUID()}`, partSize: 5 * 1024 * 1024, queueSize: 2 });
      const body = patternStream(16 * 1024 * 1024, 1 << 20, 3);
      const { sha256 } = await hashStream(patternStream(16 * 1024 * 1024, 1 << 20, 3));
      await expect(store.putContent(body, { sha256 })).rejects.toThrow(/part 2 lost/);
      expect(await store.exists(blobKey(sha256))).toBe(false);
      // MinIO lists pending uploads only for an exact object key.
      const uploads = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${store.prefix}/${blobKey(sha256)}` }));
      expect(uploads.Uploads ?? []).toEqual([]);
    } finally {
      failing.destroy();
    }
  });

  it('cleans up staging objects and incomplete multipart uploads older than a given age, and nothing else', async () => {
    const store = freshStore();
    const blob = await store.putContent('a stored blob');
    await store.put('runs/r1/state.json', '{"ok":true}');
    const stale = `${prefix}/.repairity/staging/crashed-${randomUUID()}`;
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: stale, Body: 'half of an upload' }));
    const pendingKey = `${prefix}/${blobKey('ab'.repeat(32))}`;
    await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: pendingKey }));
    // Another store's pending upload (outside this prefix): never touched.
    const otherKey = `elsewhere/${randomUUID()}/x`;
    const other = await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: otherKey }));
    const pendingFor = async (key: string) => (await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }))).Uploads ?? [];
    const exists = (key: string) => raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false);
    try {
      expect(await store.cleanStaging({ olderThanMs: 60_000 })).toEqual({ stagingDeleted: 0, uploadsAborted: 0 });
      await new Promise((r) => setTimeout(r, 3_000));
      // Written just now: younger than the age given below (server times have 1 s resolution at worst).
      const fresh = `${prefix}/.repairity/staging/in-progress-${randomUUID()}`;
      await raw.send(new PutObjectCommand({ Bucket: bucket, Key: fresh, Body: 'still uploading' }));
      expect(await store.cleanStaging({ olderThanMs: 2_000 })).toEqual({ stagingDeleted: 1, uploadsAborted: 1 });
      expect(await exists(stale)).toBe(false);
      expect(await exists(fresh)).toBe(true);
      expect(await pendingFor(pendingKey)).toEqual([]);
      expect(await pendingFor(otherKey)).toHaveLength(1);
      expect((await store.read(blob.uri)).toString()).toBe('a stored blob');
      expect((await store.read('runs/r1/state.json')).toString()).toBe('{"ok":true}');
    } finally {
      await raw.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: otherKey, UploadId: other.UploadId })).catch(() => undefined);
    }
  });

  it('reads large blobs as parallel ranges, in order and verified; small and empty blobs in one request', async () => {
    const counting = createS3Client(settings);
    const ranges: string[] = [];
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand') ranges.push((args.input as { Range?: string }).Range ?? 'whole');
        return next(args);
      },
      { step: 'initialize', name: 'countGets' },
    );
    try {
      const part = 5 * 1024 * 1024;
      const store = new S3Store({ client: counting, bucket, prefix: `contract/${randomUUID()}`, partSize: part, queueSize: 3 });
      const size = 4 * part + 12_345;
      const expected = await hashStream(patternStream(size, 1 << 20, 11));
      const ref = await store.putContent(patternStream(size, 1 << 20, 11));
      ranges.length = 0;
      expect(await hashStream(await store.open(ref.uri))).toEqual(expected);
      expect(ranges).toEqual([0, 1, 2, 3, 4].map((i) => `bytes=${i * part}-${Math.min(size, (i + 1) * part) - 1}`));

      // A consumer that stops early: the ranges in flight are cancelled, nothing hangs or leaks an error.
      const early = await store.open(ref.uri);
      for await (const _ of early) break;
      expect(early.destroyed).toBe(true);

      ranges.length = 0;
      const small = await store.putContent('small');
      expect((await store.read(small.uri)).toString()).toBe('small');
      const empty = await store.putContent('');
      expect((await store.read(empty.uri)).length).toBe(0);
      expect(ranges).toEqual([`bytes=0-${part - 1}`, `bytes=0-${part - 1}`, 'whole']);

      // A corrupted large blob (same size, one byte changed in the last range) fails, naming it.
      const bad = Buffer.alloc(size, 7);
      const { sha256 } = await hashStream(patternStream(size, 1 << 20, 12));
      await raw.send(new PutObjectCommand({ Bucket: bucket, Key: `${store.prefix}/${blobKey(sha256)}`, Body: bad }));
      await expect(hashStream(await store.open(blobKey(sha256)))).rejects.toThrow(new RegExp(`${sha256}.*corrupt|corrupt.*${sha256}`));
    } finally {
      counting.destroy();
    }
  });

  it('copies large staged uploads to their blob key as a parallel multipart copy', async () => {
    const store = freshStore({ singleCopyLimit: 8 * 1024 * 1024, copyPartSize: 5 * 1024 * 1024 });
    const total = 21 * 1024 * 1024 + 3;
    const expected = await hashStream(patternStream(total, 1 << 20, 7));
    const ref = await store.putContent(patternStream(total, 1 << 20, 7), { run: 'r', step: 's' });
    expect(ref.sha256).toBe(expected.sha256);
    expect(await hashStream(await store.open(ref.uri))).toEqual(expected);
    expect(await store.stat(blobKey(ref.sha256))).toMatchObject({ size: total, run: 'r', step: 's' });
  });

  it('skips the upload when content with a declared hash is already stored', async () => {
    const store = freshStore();
    const ref = await store.putContent('already here');
    let pulled = false;
    const body = new (await import('node:stream')).Readable({
      read() {
        pulled = true;
        this.push(null);
      },
    });
    const again = await store.putContent(body, { sha256: ref.sha256 });
    expect(again).toMatchObject({ uri: ref.uri, size: ref.size });
    expect(pulled).toBe(false);
  });
});
