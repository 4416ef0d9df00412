import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ArtifactIntegrityError, PermanentError } from '../../core/errors.js';
import { countJsonl, jsonlIndexKey, readJsonl, readJsonlRange, writeJsonl } from '../../store/jsonl.js';
import { blobKey } from '../../store/keys.js';
import { LocalStore } from '../../store/local.js';
import { createS3Client } from '../../store/s3-client.js';
import { readS3Settings } from '../../store/s3-settings.js';
import { S3Store } from '../../store/s3.js';
import type { ArtifactStore } from '../../store/types.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function localStore(): Promise<LocalStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-jsonl-'));
  dirs.push(dir);
  return new LocalStore(dir);
}

function s3Store(): S3Store {
  const client = createS3Client(
    readS3Settings({ AWS_ENDPOINT_URL: inject('minioEndpoint'), AWS_ACCESS_KEY_ID: inject('minioAccessKey'), AWS_SECRET_ACCESS_KEY: inject('minioSecretKey') }),
  );
  return new S3Store({ client, bucket: inject('minioBucket'), prefix: `jsonl/${randomUUID()}` });
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* rows(n: number, pad = 0): AsyncIterable<{ id: number; text: string }> {
  for (let i = 0; i < n; i++) yield { id: i, text: `row ${i} ${'x'.repeat(pad)}` };
}

for (const [name, make] of [
  ['local', localStore],
  ['S3 (MinIO)', async () => s3Store()],
] as const) {
  describe(`JSONL datasets on ${name}`, () => {
    it('writes and reads records as streams, counts them, and reads item ranges by block', async () => {
      const store: ArtifactStore = await make();
      const ds = await writeJsonl(store, rows(2500), { run: 'r', step: 'collect' }, { blockRecords: 100 });
      expect(ds.count).toBe(2500);
      expect(ds.ref.mediaType).toBe('application/x-ndjson');
      expect(ds.index).toBe(store.uriOf(jsonlIndexKey(ds.ref.sha256)));
      const back = await all(readJsonl<{ id: number }>(store, ds.ref.uri));
      expect(back.map((r) => r.id)).toEqual([...Array(2500).keys()]);
      expect(await countJsonl(store, ds.ref.uri)).toBe(2500);
      for (const [s, e] of [
        [0, 1],
        [0, 100],
        [99, 101],
        [1234, 1567],
        [2400, 9999],
        [2500, 2600],
        [7, 7],
      ] as const) {
        const got = (await all(readJsonlRange<{ id: number }>(store, ds.ref.uri, s, e))).map((r) => r.id);
        const want = [...Array(Math.max(0, Math.min(e, 2500) - s)).keys()].map((i) => i + s);
        expect(got, `[${s}, ${e})`).toEqual(want);
      }
      await expect(all(readJsonlRange(store, ds.ref.uri, 5, 2))).rejects.toBeInstanceOf(PermanentError);
    });

    it('builds the index of a dataset written without one (blank lines and CRLF included)', async () => {
      const store = await make();
      const text = '{"a":1}\r\n\n{"a":2}\n  \n{"a":3}\n{"a":4}';
      const ref = await store.putContent(text, { mediaType: 'application/x-ndjson' });
      expect(await countJsonl(store, ref.uri)).toBe(4);
      expect(await store.exists(jsonlIndexKey(ref.sha256))).toBe(true);
      expect(await all(readJsonlRange(store, ref.uri, 1, 4))).toEqual([{ a: 2 }, { a: 3 }, { a: 4 }]);
      expect(await all(readJsonl(store, ref.uri))).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }]);
      const bad = await store.putContent('{"a":1}\nnot json\n');
      await expect(all(readJsonl(store, bad.uri))).rejects.toThrow(/line 2 of .* is not valid JSON/);
    });
  });
}

describe('JSONL integrity and memory', () => {
  it('verifies each block of a ranged read and names the artifact when one is corrupt', async () => {
    const store = await localStore();
    const ds = await writeJsonl(store, rows(1000), {}, { blockRecords: 100 });
    const file = path.join(fileURLToPathSafe(store.rootUri), ...blobKey(ds.ref.sha256).split('/'));
    const bytes = await fs.readFile(file);
    bytes[bytes.indexOf('row 555')! + 4] = '9'.charCodeAt(0);
    await fs.writeFile(file, bytes);
    // Blocks before the damaged one are intact and still readable.
    expect((await all(readJsonlRange(store, ds.ref.uri, 0, 100))).length).toBe(100);
    const err = await all(readJsonlRange(store, ds.ref.uri, 520, 560)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactIntegrityError);
    expect((err as Error).message).toContain(ds.ref.uri);
    await expect(all(readJsonl(store, ds.ref.uri))).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });

  it('processes a 100,000-row dataset without loading it whole into memory', async () => {
    const store = await localStore();
    const n = 100_000;
    const pad = 1000; // ~1 KB a row: ~100 MB of JSONL
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    global.gc?.();
    const baseline = used();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, used() - baseline)), 5);
    try {
      const ds = await writeJsonl(store, rows(n, pad), { step: 'big' });
      expect(ds.ref.size).toBeGreaterThan(100_000_000);
      // A "map" step: stream in, transform, stream out.
      async function* mapped(): AsyncIterable<unknown> {
        for await (const r of readJsonl<{ id: number; text: string }>(store, ds.ref.uri)) {
          peak = Math.max(peak, used() - baseline);
          yield { id: r.id, len: r.text.length };
        }
      }
      const out = await writeJsonl(store, mapped());
      expect(out.count).toBe(n);
      // A shard in the middle.
      const shard = await all(readJsonlRange<{ id: number }>(store, ds.ref.uri, 61_000, 61_500));
      expect(shard.map((r) => r.id)).toEqual([...Array(500).keys()].map((i) => i + 61_000));
      expect(await countJsonl(store, ds.ref.uri)).toBe(n);
    } finally {
      clearInterval(sampler);
    }
    // The dataset is ~100 MB; streaming keeps the growth of heap + buffers far below that.
    expect(peak).toBeLessThan(60 * 1024 * 1024);
    console.log(`jsonl 100k rows: peak heap+buffers growth ${(peak / 1024 / 1024).toFixed(1)} MiB`);
  });
});

function fileURLToPathSafe(uri: string): string {
  return decodeURIComponent(new URL(uri).pathname);
}
