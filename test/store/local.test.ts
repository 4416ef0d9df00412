import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../core/errors.js';
import { LocalStore } from '../../store/local.js';
import { openStore } from '../../store/open.js';
import { storeContract } from './contract.js';

const roots: string[] = [];
let current: string;

async function freshRoot(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-localstore-'));
  roots.push(dir);
  return dir;
}

afterAll(async () => {
  for (const r of roots) await fs.rm(r, { recursive: true, force: true });
});

// Each contract case gets a fresh store (list() expectations assume an empty one).
storeContract('local folder', {
  store: () => {
    current = path.join(os.tmpdir(), `repairity-localstore-${process.pid}-${roots.length}`);
    roots.push(current);
    return new LocalStore(current);
  },
  corrupt: async (key, bytes) => {
    await fs.writeFile(path.join(current, ...key.split('/')), bytes);
  },
});

describe('local store: symlinks and sidecars', () => {
  it('refuses keys that go through a symlink leading out of the root, for reads and writes', async () => {
    const root = await freshRoot();
    const outside = await freshRoot();
    await fs.writeFile(path.join(outside, 'secret'), 'top secret');
    await fs.symlink(outside, path.join(root, 'link'));
    await fs.symlink(path.join(outside, 'secret'), path.join(root, 'file-link'));
    const store = new LocalStore(root);
    await expect(store.read('link/secret')).rejects.toBeInstanceOf(PermanentError);
    await expect(store.read('file-link')).rejects.toBeInstanceOf(PermanentError);
    await expect(store.put('link/new-file', 'x')).rejects.toBeInstanceOf(PermanentError);
    // A folder that does not exist yet under the symlink must not be created outside either.
    await expect(store.put('link/deeper/new-file', 'x')).rejects.toBeInstanceOf(PermanentError);
    await expect(fs.stat(path.join(outside, 'deeper'))).rejects.toThrow();
    await expect(fs.stat(path.join(outside, 'new-file'))).rejects.toThrow();
    // A dangling symlink is not written through.
    await fs.symlink(path.join(outside, 'not-yet'), path.join(root, 'dangling'));
    await expect(store.put('dangling', 'x')).rejects.toBeInstanceOf(PermanentError);
    await expect(fs.stat(path.join(outside, 'not-yet'))).rejects.toThrow();
    // Listing does not follow symlinks out of the root.
    const keys: string[] = [];
    for await (const k of store.list('')) keys.push(k);
    expect(keys).toEqual([]);
  });

  it('allows symlinks that stay inside the root', async () => {
    const root = await freshRoot();
    const store = new LocalStore(root);
    await store.put('real/file', 'inside');
    await fs.symlink(path.join(root, 'real'), path.join(root, 'alias'));
    expect((await store.read('alias/file')).toString()).toBe('inside');
  });

  it('keeps metadata in sidecars outside the key space, and opens by file:// root or plain path', async () => {
    const root = await freshRoot();
    const store = await openStore(`file://${root}`);
    const ref = await store.putContent('lineage', { mediaType: 'text/plain', run: 'r9', step: 's3' });
    expect(await (await openStore(root)).stat(ref.uri)).toMatchObject({ mediaType: 'text/plain', run: 'r9', step: 's3' });
    const keys: string[] = [];
    for await (const k of store.list('')) keys.push(k);
    expect(keys).toEqual([ref.uri.slice(store.rootUri.length + 1)]);
    await expect(openStore('ftp://x/y')).rejects.toBeInstanceOf(PermanentError);
  });
});

describe('local store: sidecars only where the key does not say it all', () => {
  it('keeps no sidecar for a file whose extension gives its media type, and drops a stale one', async () => {
    const root = await freshRoot();
    const store = new LocalStore(root);
    const sidecar = (key: string) => path.join(root, '.repairity', 'meta', ...key.split('/')) + '.json';
    await store.put('runs/r/steps/s/records.json', '{}', { mediaType: 'application/json' });
    await expect(fs.stat(sidecar('runs/r/steps/s/records.json'))).rejects.toThrow();
    expect(await store.stat('runs/r/steps/s/records.json')).toMatchObject({ mediaType: 'application/json', size: 2 });
    // Lineage, or a media type the extension does not say, is kept.
    await store.put('runs/r/result.json', '{}', { mediaType: 'application/json', run: 'r', step: 's' });
    await store.put('runs/r/notes.json', 'x', { mediaType: 'text/plain' });
    expect(await store.stat('runs/r/result.json')).toMatchObject({ mediaType: 'application/json', run: 'r', step: 's' });
    expect(await store.stat('runs/r/notes.json')).toMatchObject({ mediaType: 'text/plain' });
    // Written again without lineage: the old sidecar does not outlive it.
    await store.put('runs/r/result.json', '{"v":2}', { mediaType: 'application/json' });
    const info = await store.stat('runs/r/result.json');
    expect(info.run).toBeUndefined();
    expect(info.size).toBe(7);
  });

  it('lists nothing under a prefix that does not exist, and refuses one that leads out of the root', async () => {
    const root = await freshRoot();
    const outside = await freshRoot();
    await fs.writeFile(path.join(outside, 'secret'), 'top secret');
    await fs.symlink(outside, path.join(root, 'link'));
    const store = new LocalStore(root);
    const keys: string[] = [];
    for await (const k of store.list('runs/none/records/')) keys.push(k);
    expect(keys).toEqual([]);
    await expect(
      (async () => {
        for await (const k of store.list('link/')) keys.push(k);
      })(),
    ).rejects.toBeInstanceOf(PermanentError);
    expect(keys).toEqual([]);
  });
});

describe('local store: staging left by a crash', () => {
  it('cleanStaging deletes staging files older than the cutoff and keeps young ones and objects', async () => {
    const root = await freshRoot();
    const store = new LocalStore(root);
    const kept = await store.put('runs/r/result.json', '{"ok":true}');
    const staging = path.join(root, '.repairity', 'staging');
    await fs.mkdir(staging, { recursive: true });
    const old = path.join(staging, 'crashed-write');
    const young = path.join(staging, 'write-in-progress');
    await fs.writeFile(old, 'half a checkpoint');
    await fs.writeFile(young, 'still being written');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await fs.utimes(old, twoDaysAgo, twoDaysAgo);
    expect(await store.cleanStaging()).toEqual({ stagingDeleted: 1, uploadsAborted: 0 });
    await expect(fs.stat(old)).rejects.toThrow();
    await fs.stat(young);
    expect((await store.read(kept.uri)).toString()).toBe('{"ok":true}');
    // A store that never wrote has nothing to clean, and says so.
    expect(await new LocalStore(await freshRoot()).cleanStaging()).toEqual({ stagingDeleted: 0, uploadsAborted: 0 });
  });
});
