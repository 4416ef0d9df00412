import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ArtifactIntegrityError, PermanentError } from '../../core/errors.js';
import { DIRECTORY_MEDIA_TYPE, type DirectoryManifest, getDirectory, putDirectory } from '../../store/directory.js';
import { blobKey } from '../../store/keys.js';
import { LocalStore } from '../../store/local.js';
import { createS3Client } from '../../store/s3-client.js';
import { readS3Settings } from '../../store/s3-settings.js';
import { S3Store } from '../../store/s3.js';
import type { ArtifactStore } from '../../store/types.js';
import { patternStream } from '../../store/pattern-stream.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function tmp(label: string): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), `repairity-dir-${label}-`));
  dirs.push(d);
  return d;
}

async function checkpointDir(): Promise<string> {
  const d = await tmp('src');
  await fs.mkdir(path.join(d, 'adapter', 'nested'), { recursive: true });
  await fs.mkdir(path.join(d, 'empty'));
  await fs.writeFile(path.join(d, 'adapter', 'config.json'), '{"r":4,"alpha":16}');
  await fs.writeFile(path.join(d, 'adapter', 'nested', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await fs.writeFile(path.join(d, 'zero-bytes'), '');
  await fs.writeFile(path.join(d, 'weights.bin'), await collectBuf(patternStream(7 * 1024 * 1024 + 3)));
  return d;
}

async function collectBuf(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(abs: string, rel: string): Promise<void> {
    for (const e of (await fs.readdir(abs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out[`${r}/`] = 'dir';
        await walk(path.join(abs, e.name), r);
      } else {
        const st = await fs.stat(path.join(abs, e.name));
        out[r] = `${(st.mode & 0o777).toString(8)}:${(await fs.readFile(path.join(abs, e.name))).toString('base64').slice(0, 64)}:${st.size}`;
      }
    }
  }
  await walk(dir, '');
  return out;
}

/** Stores a hand-made tar and a manifest that vouches for it, as an attacker with write access could. */
async function hostileArtifact(store: ArtifactStore, entries: { header: Partial<tar.Header> & { name: string }; body?: string }[]): Promise<string> {
  const pack = tar.pack();
  for (const e of entries) pack.entry(e.header as tar.Header, e.body ?? '');
  pack.finalize();
  const tarRef = await store.putContent(await collectBuf(pack));
  const manifest: DirectoryManifest = { version: 1, tar: { sha256: tarRef.sha256, size: tarRef.size }, files: [], dirs: [], totalBytes: 0 };
  return (await store.putContent(JSON.stringify(manifest))).uri;
}

for (const [name, make] of [
  ['local', async () => new LocalStore(await tmp('store'))],
  [
    'S3 (MinIO)',
    async () =>
      new S3Store({
        client: createS3Client(
          readS3Settings({ AWS_ENDPOINT_URL: inject('minioEndpoint'), AWS_ACCESS_KEY_ID: inject('minioAccessKey'), AWS_SECRET_ACCESS_KEY: inject('minioSecretKey') }),
        ),
        bucket: inject('minioBucket'),
        prefix: `dirs/${randomUUID()}`,
        partSize: 5 * 1024 * 1024,
      }),
  ],
] as const) {
  describe(`directory artifacts on ${name}`, () => {
    for (const layout of ['tar', 'files'] as const)
    it(`round-trips a checkpoint folder (files, modes, empty folders) with a verified manifest, ${layout} layout`, async () => {
      const store: ArtifactStore = await make();
      const src = await checkpointDir();
      const up = await putDirectory(store, src, { run: 'r1', step: 'sft' }, { layout });
      expect(up.manifest.layout).toBe(layout);
      expect(up.ref.mediaType).toBe(DIRECTORY_MEDIA_TYPE);
      expect(up.manifest.files.map((f) => f.path)).toEqual(['adapter/config.json', 'adapter/nested/run.sh', 'weights.bin', 'zero-bytes']);
      expect(up.manifest.dirs).toEqual(['adapter', 'adapter/nested', 'empty']);
      const dest = path.join(await tmp('dest'), 'restored');
      const manifest = await getDirectory(store, up.ref, dest);
      expect(manifest).toEqual(up.manifest);
      expect(await tree(dest)).toEqual(await tree(src));
      // Deterministic: same folder, same artifact, whether hashed first or staged.
      expect((await putDirectory(store, src, {}, { layout })).ref.uri).toBe(up.ref.uri);
      expect((await putDirectory(store, src, {}, { layout, hashFirst: false })).ref.uri).toBe(up.ref.uri);
      // The destination must be empty.
      await expect(getDirectory(store, up.ref.uri, dest)).rejects.toBeInstanceOf(PermanentError);
    });

    it('refuses tar entries that would escape the destination, and leaves nothing behind', async () => {
      const store: ArtifactStore = await make();
      const parent = await tmp('escape');
      for (const header of [
        { name: '../evil.txt', type: 'file' as const },
        { name: 'ok/../../evil.txt', type: 'file' as const },
        { name: '/tmp/evil-abs.txt', type: 'file' as const },
        { name: 'link', type: 'symlink' as const, linkname: '/etc' },
        { name: 'hard', type: 'link' as const, linkname: '/etc/passwd' },
      ]) {
        const uri = await hostileArtifact(store, [{ header, body: header.type === 'file' ? 'pwned' : '' }]);
        const dest = path.join(parent, 'dest');
        const err = await getDirectory(store, uri, dest).catch((e: unknown) => e);
        expect(err, header.name).toBeInstanceOf(ArtifactIntegrityError);
        expect((err as Error).message).toContain(uri);
        await expect(fs.stat(dest)).rejects.toThrow();
      }
      expect(await fs.readdir(parent)).toEqual([]);
      await expect(fs.stat('/tmp/evil-abs.txt')).rejects.toThrow();
    });
  });
}

describe('directory artifacts: integrity', () => {
  it('detects a corrupted tar and a file that does not match its manifest, naming the artifact', async () => {
    const root = await tmp('store');
    const store = new LocalStore(root);
    const src = await checkpointDir();
    const up = await putDirectory(store, src, {}, { layout: 'tar' });

    // A manifest that disagrees with the tar about one file.
    const lying: DirectoryManifest = { ...up.manifest, files: up.manifest.files.map((f) => (f.path === 'weights.bin' ? { ...f, sha256: '0'.repeat(64) } : f)) };
    const lyingRef = await store.putContent(JSON.stringify(lying));
    const dest1 = path.join(await tmp('dest'), 'x');
    const err1 = await getDirectory(store, lyingRef.uri, dest1).catch((e: unknown) => e);
    expect(err1).toBeInstanceOf(ArtifactIntegrityError);
    expect((err1 as Error).message).toMatch(/weights\.bin/);
    await expect(fs.stat(dest1)).rejects.toThrow();

    // Bit rot in the stored tar.
    const tarFile = path.join(root, ...blobKey(up.manifest.tar!.sha256).split('/'));
    const bytes = await fs.readFile(tarFile);
    bytes[bytes.length - 2048 - 100] = bytes[bytes.length - 2048 - 100]! ^ 0xff;
    bytes[4096] = bytes[4096]! ^ 0xff;
    await fs.writeFile(tarFile, bytes);
    const dest2 = path.join(await tmp('dest'), 'y');
    const err2 = await getDirectory(store, up.ref, dest2).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(ArtifactIntegrityError);
    expect((err2 as Error).message).toContain(up.ref.uri);
    await expect(fs.stat(dest2)).rejects.toThrow();

    // A damaged tar header (its checksum no longer matches).
    const headerRot = await fs.readFile(tarFile);
    headerRot[3584 + 10] = headerRot[3584 + 10]! ^ 0x55;
    await fs.writeFile(tarFile, headerRot);
    const dest3 = path.join(await tmp('dest'), 'z');
    const err3 = await getDirectory(store, up.ref, dest3).catch((e: unknown) => e);
    expect(err3).toBeInstanceOf(ArtifactIntegrityError);
    expect((err3 as Error).message).toContain(up.ref.uri);
    await expect(fs.stat(dest3)).rejects.toThrow();
  });

  it('detects a corrupted file blob in the files layout, naming the directory artifact', async () => {
    const root = await tmp('store');
    const store = new LocalStore(root);
    const src = await checkpointDir();
    const up = await putDirectory(store, src);
    expect(up.manifest.layout).toBe('files');
    const weights = up.manifest.files.find((f) => f.path === 'weights.bin')!;
    const blob = path.join(root, ...blobKey(weights.sha256).split('/'));
    const bytes = await fs.readFile(blob);
    bytes[1000] = bytes[1000]! ^ 0x01;
    await fs.writeFile(blob, bytes);
    const dest = path.join(await tmp('dest'), 'w');
    const err = await getDirectory(store, up.ref, dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactIntegrityError);
    expect((err as Error).message).toContain(up.ref.uri);
    expect((err as Error).message).toContain(weights.sha256);
    await expect(fs.stat(dest)).rejects.toThrow();
  });

  it('refuses to store a folder with a symlink that leads out of it', async () => {
    const store = new LocalStore(await tmp('store'));
    const src = await checkpointDir();
    await fs.symlink('/etc/hostname', path.join(src, 'sneaky'));
    await expect(putDirectory(store, src)).rejects.toBeInstanceOf(PermanentError);
  });
});
