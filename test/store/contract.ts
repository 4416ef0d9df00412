/**
 * The contract every ArtifactStore keeps, run against each implementation (local folder, MinIO).
 * `harness.corrupt(key, bytes)` overwrites an object behind the store's back, as bit rot would.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ArtifactIntegrityError, ArtifactNotFoundError, PermanentError } from '../../core/errors.js';
import { blobKey } from '../../store/keys.js';
import { patternStream } from '../../store/pattern-stream.js';
import { hashStream } from '../../store/streams.js';
import type { ArtifactStore } from '../../store/types.js';

export interface StoreHarness {
  store(): ArtifactStore;
  corrupt(key: string, bytes: Buffer): Promise<void>;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A stream that yields some bytes and then fails, like a producer that crashes. */
function failingStream(bytesBeforeFailure: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytesBeforeFailure) return void this.destroy(new Error('producer crashed'));
      const n = Math.min(1 << 20, bytesBeforeFailure - sent);
      sent += n;
      this.push(Buffer.alloc(n, 7));
    },
  });
}

async function collectKeys(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out.sort();
}

export function storeContract(name: string, harness: StoreHarness): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    it('stores content by its sha256, with metadata, and reads it back by URI or key', async () => {
      const store = harness.store();
      const ref = await store.putContent('hello artifacts\n', { mediaType: 'text/plain', run: 'run-1', step: 'collect' });
      expect(ref.sha256).toBe(sha('hello artifacts\n'));
      expect(ref.size).toBe(16);
      expect(ref.mediaType).toBe('text/plain');
      expect(ref.uri).toBe(`${store.rootUri}/${blobKey(ref.sha256)}`);
      expect((await store.read(ref.uri)).toString()).toBe('hello artifacts\n');
      expect((await store.read(blobKey(ref.sha256))).toString()).toBe('hello artifacts\n');
      expect(await store.exists(ref.uri)).toBe(true);
      const info = await store.stat(ref.uri);
      expect(info).toMatchObject({ uri: ref.uri, key: blobKey(ref.sha256), size: 16, mediaType: 'text/plain', sha256: ref.sha256, run: 'run-1', step: 'collect' });
    });

    it('deduplicates identical content', async () => {
      const store = harness.store();
      const a = await store.putContent(Buffer.from('same bytes'));
      const b = await store.putContent(Readable.from([Buffer.from('same '), Buffer.from('bytes')]));
      expect(b.uri).toBe(a.uri);
    });

    it('streams a multi-part body through and hashes it on the way', async () => {
      const store = harness.store();
      const total = 23 * 1024 * 1024 + 17;
      const expected = await hashStream(patternStream(total));
      const ref = await store.putContent(patternStream(total), { mediaType: 'application/octet-stream' });
      expect(ref.sha256).toBe(expected.sha256);
      expect(ref.size).toBe(total);
      expect(await hashStream(await store.open(ref.uri))).toEqual(expected);
    });

    it('writes straight to the blob key when the hash is declared, and refuses a body that does not match it', async () => {
      const store = harness.store();
      const body = Buffer.from('declared content');
      const ref = await store.putContent(body, { sha256: sha(body) });
      expect(ref.sha256).toBe(sha(body));
      expect((await store.read(ref.uri)).toString()).toBe('declared content');

      const claimed = sha('something else entirely');
      await expect(store.putContent(patternStream(7 * 1024 * 1024), { sha256: claimed })).rejects.toBeInstanceOf(ArtifactIntegrityError);
      expect(await store.exists(blobKey(claimed))).toBe(false);
    });

    it('writes named entries atomically and never exposes a partial write', async () => {
      const store = harness.store();
      const first = await store.put('runs/r1/state.json', '{"v":1}', { mediaType: 'application/json', run: 'r1' });
      expect(first.uri).toBe(`${store.rootUri}/runs/r1/state.json`);
      expect(first.sha256).toBe(sha('{"v":1}'));
      await store.put('runs/r1/state.json', '{"v":2}', { mediaType: 'application/json' });
      expect((await store.read('runs/r1/state.json')).toString()).toBe('{"v":2}');
      expect(await store.stat('runs/r1/state.json')).toMatchObject({ size: 7, mediaType: 'application/json' });

      // A producer that dies half-way: neither a new key nor an existing one shows its bytes.
      await expect(store.put('runs/r1/partial.bin', failingStream(12 * 1024 * 1024))).rejects.toThrow();
      expect(await store.exists('runs/r1/partial.bin')).toBe(false);
      await expect(store.put('runs/r1/state.json', failingStream(6 * 1024 * 1024))).rejects.toThrow();
      expect((await store.read('runs/r1/state.json')).toString()).toBe('{"v":2}');
      await expect(store.putContent(failingStream(12 * 1024 * 1024))).rejects.toThrow();
      expect(await collectKeys(store.list(''))).toEqual(['runs/r1/state.json']);
    });

    it('stores local files and copies objects to local files, verified', async () => {
      const store = harness.store();
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-contract-files-'));
      try {
        const file = path.join(dir, 'weights.bin');
        await pipeline(patternStream(9 * 1024 * 1024 + 1, 1 << 20, 3), createWriteStream(file));
        const expected = await hashStream(createReadStream(file));
        const ref = await store.putFile(file, { mediaType: 'application/x-weights', run: 'r', step: 's' });
        expect(ref).toMatchObject({ sha256: expected.sha256, size: expected.size, mediaType: 'application/x-weights' });
        expect(await store.stat(ref.uri)).toMatchObject({ run: 'r', step: 's', size: expected.size });
        const out = path.join(dir, 'copy.bin');
        await store.getFile(ref.uri, out);
        expect(await hashStream(createReadStream(out))).toEqual(expected);
        await harness.corrupt(blobKey(ref.sha256), Buffer.from('rotten'));
        const bad = path.join(dir, 'bad.bin');
        const err = await store.getFile(ref.uri, bad).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ArtifactIntegrityError);
        expect((err as Error).message).toContain(ref.uri);
        expect((await fs.readdir(dir)).sort()).toEqual(['copy.bin', 'weights.bin']);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });

    it('reads byte ranges', async () => {
      const store = harness.store();
      const ref = await store.putContent('0123456789');
      const range = async (s: number, e: number) => (await (await import('../../store/streams.js')).collect(await store.openRange(ref.uri, s, e))).toString();
      expect(await range(2, 5)).toBe('234');
      expect(await range(8, 100)).toBe('89');
      expect(await range(4, 4)).toBe('');
      expect(await range(10, 12)).toBe('');
    });

    it('lists keys under a folder, deletes, and reports missing objects', async () => {
      const store = harness.store();
      await store.put('runs/a/one', '1');
      await store.put('runs/a/sub/two', '2');
      await store.put('runs/ab/three', '3');
      expect(await collectKeys(store.list('runs/a'))).toEqual(['runs/a/one', 'runs/a/sub/two']);
      expect(await collectKeys(store.list('runs/a/'))).toEqual(['runs/a/one', 'runs/a/sub/two']);
      await store.delete('runs/a/one');
      expect(await store.exists('runs/a/one')).toBe(false);
      await store.delete('runs/a/never-was');
      await expect(store.read('runs/a/one')).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store.open(`${store.rootUri}/nothing/here`)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store.stat('nothing/here')).rejects.toBeInstanceOf(ArtifactNotFoundError);
    });

    it('normalises keys and confines them to the store', async () => {
      const store = harness.store();
      await store.put('a//b/./c.txt', 'x');
      expect((await store.read('a/b/c.txt')).toString()).toBe('x');
      expect(store.uriOf('a/b/./c.txt')).toBe(`${store.rootUri}/a/b/c.txt`);
      for (const bad of ['../escape', 'a/../../escape', 'a/..', '/etc/passwd', '\\abs', 'C:/x', '', '.', 'a\0b', '.repairity/staging/x']) {
        await expect(store.put(bad, 'no'), JSON.stringify(bad)).rejects.toBeInstanceOf(PermanentError);
        await expect(store.read(bad), JSON.stringify(bad)).rejects.toBeInstanceOf(PermanentError);
      }
      await expect(store.read('file:///etc/passwd')).rejects.toBeInstanceOf(PermanentError);
      await expect(store.read('s3://some-other-bucket/x')).rejects.toBeInstanceOf(PermanentError);
      await expect(store.read(`${store.rootUri}/../outside`)).rejects.toBeInstanceOf(PermanentError);
      await expect(store.put(blobKey(sha('x')), 'x')).rejects.toBeInstanceOf(PermanentError);
    });

    it('detects a corrupted content-addressed object on read, naming the artifact', async () => {
      const store = harness.store();
      const ref = await store.putContent(patternStream(3 * 1024 * 1024 + 5), { mediaType: 'application/x-checkpoint' });
      await harness.corrupt(blobKey(ref.sha256), Buffer.from('not what was stored'));
      const err = await store.read(ref.uri).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ArtifactIntegrityError);
      expect((err as Error).message).toContain(ref.uri);
      expect((err as ArtifactIntegrityError).context.artifact).toBe(ref.uri);
      // Streaming readers fail too, before the stream ends cleanly.
      await expect(hashStream(await store.open(ref.uri))).rejects.toBeInstanceOf(ArtifactIntegrityError);
    });
  });
}
