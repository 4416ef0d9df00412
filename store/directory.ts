/**
 * Directory artifacts (checkpoints, adapters, reports): a folder is stored as a deterministic tar
 * (sorted entries, fixed mtime, so the same content gives the same blob) plus a manifest blob with
 * every file's size, mode and sha256. The manifest's ref is the directory's ref. On download each
 * file is hashed while it is written and checked against the manifest, the whole tar against its
 * own hash, and the tree is moved into place only when everything matched; tar entries that would
 * land outside the destination (absolute, `..`, links, devices) are refused.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ArtifactIntegrityError, PermanentError, RepairityError } from '../core/errors.js';
import { HashPool } from './hash-pool.js';
import { blobKey } from './keys.js';
import type { ArtifactMeta, ArtifactRef, ArtifactStore } from './types.js';

export const DIRECTORY_MEDIA_TYPE = 'application/vnd.repairity.directory+json';
export const TAR_MEDIA_TYPE = 'application/x-tar';

export interface ManifestFile {
  /** POSIX path relative to the directory. */
  path: string;
  size: number;
  mode: number;
  sha256: string;
}

export interface DirectoryManifest {
  version: 1;
  /**
   * `tar` (default): the files are in one tar blob, `tar`. `files`: each file is its own blob,
   * named by its sha256 (the local store's layout: kernel copies, and unchanged files shared
   * between checkpoints).
   */
  layout?: 'tar' | 'files';
  /** The tar blob (by content hash, so the manifest is valid in any copy of the store). */
  tar?: { sha256: string; size: number };
  files: ManifestFile[];
  /** Folders, empty ones included, so the tree comes back as it was. */
  dirs: string[];
  totalBytes: number;
}

export interface PutDirectoryOptions {
  /** Default: the store's `directoryLayout`, else `tar`. */
  layout?: 'tar' | 'files';
  /** `files` layout: files stored at once. Default 2. */
  concurrency?: number;
  /**
   * Hash the tar in a first pass over the files, then upload it straight to its blob key (no
   * staging copy; nothing is sent when the store already has it). Default true. With false, one
   * pass: the tar is staged while it is hashed (see ArtifactStore.putContent).
   */
  hashFirst?: boolean;
}

export interface GetDirectoryOptions {
  /** `files` layout: files restored at once. Default 2. */
  concurrency?: number;
}

export interface DirectoryUpload {
  /** The manifest's ref: what steps pass on. */
  ref: ArtifactRef;
  manifest: DirectoryManifest;
}

const MTIME = new Date(0);

interface SourceFile {
  rel: string;
  abs: string;
  size: number;
  mode: number;
}

/** Walks a folder: regular files and folders, sorted; symlinks are followed only if they stay inside it. */
async function scan(dir: string): Promise<{ files: SourceFile[]; dirs: string[] }> {
  const root = await fs.realpath(dir).catch((err: unknown) => {
    throw new PermanentError(`directory ${dir} cannot be read: ${(err as Error).message}`, { file: dir }, { cause: err });
  });
  const files: SourceFile[] = [];
  const dirs: string[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    const entries = (await fs.readdir(abs)).sort();
    for (const name of entries) {
      const childAbs = path.join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const real = await fs.realpath(childAbs);
      if (real !== root && !real.startsWith(root + path.sep)) {
        throw new PermanentError(`${childAbs} is a symlink that leads out of ${dir}; copy its target in or remove it`, { file: childAbs });
      }
      const st = await fs.stat(childAbs);
      if (st.isDirectory()) {
        dirs.push(childRel);
        await walk(childAbs, childRel);
      } else if (st.isFile()) {
        files.push({ rel: childRel, abs: childAbs, size: st.size, mode: st.mode & 0o777 });
      } else {
        throw new PermanentError(`${childAbs} is neither a file nor a folder; a directory artifact holds only those`, { file: childAbs });
      }
    }
  }
  await walk(root, '');
  return { files, dirs };
}

/** The deterministic tar of the files; fills `hashes`, if given, with each file's sha256 as it goes. */
function packTar(files: SourceFile[], dirs: string[], hashes?: Map<string, string>): Readable {
  const pack = tar.pack();
  (async () => {
    for (const d of dirs) pack.entry({ name: `${d}/`, type: 'directory', mode: 0o755, mtime: MTIME, uid: 0, gid: 0 });
    for (const f of files) {
      const hash = createHash('sha256');
      let seen = 0;
      const entry = pack.entry({ name: f.rel, type: 'file', size: f.size, mode: f.mode, mtime: MTIME, uid: 0, gid: 0 }) as unknown as Writable;
      const done = new Promise<void>((resolve, reject) => {
        entry.on('finish', resolve);
        entry.on('error', reject);
      });
      for await (const chunk of createReadStream(f.abs, { highWaterMark: 1 << 20 })) {
        if (hashes) hash.update(chunk as Buffer);
        seen += (chunk as Buffer).length;
        if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
      }
      if (seen !== f.size) throw new PermanentError(`${f.abs} changed size while it was being stored (${f.size} -> ${seen} bytes)`, { file: f.abs });
      entry.end();
      await done;
      hashes?.set(f.rel, hash.digest('hex'));
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

async function hashOf(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb();
      },
    }),
  );
  return { sha256: hash.digest('hex'), size };
}

/** Stores a folder as a directory artifact; returns the manifest's ref. */
export async function putDirectory(store: ArtifactStore, dir: string, meta: ArtifactMeta = {}, opts: PutDirectoryOptions = {}): Promise<DirectoryUpload> {
  const { files, dirs } = await scan(dir);
  const layout = opts.layout ?? store.directoryLayout ?? 'tar';
  const hashes = new Map<string, string>();
  let tar: DirectoryManifest['tar'];
  if (layout === 'files') {
    await eachConcurrently(files, opts.concurrency ?? 2, async (f) => {
      const ref = await store.putFile(f.abs, { ...meta, sha256: undefined });
      if (ref.size !== f.size) throw new PermanentError(`${f.abs} changed size while it was being stored`, { file: f.abs });
      hashes.set(f.rel, ref.sha256);
    });
  } else {
    let tarRef: ArtifactRef;
    if (opts.hashFirst ?? true) {
      // First pass: the tar's hash on this thread, the files' hashes on worker threads beside it.
      const pool = new HashPool();
      try {
        const [first] = await Promise.all([
          hashOf(packTar(files, dirs)),
          eachConcurrently(files, 2, async (f) => void hashes.set(f.rel, await pool.hashFile(f.abs))),
        ]);
        tarRef = await store.putContent(packTar(files, dirs), { ...meta, mediaType: TAR_MEDIA_TYPE, sha256: first.sha256 });
      } finally {
        await pool.close();
      }
    } else {
      tarRef = await store.putContent(packTar(files, dirs, hashes), { ...meta, mediaType: TAR_MEDIA_TYPE, sha256: undefined });
    }
    tar = { sha256: tarRef.sha256, size: tarRef.size };
  }
  const manifest: DirectoryManifest = {
    version: 1,
    layout,
    ...(tar ? { tar } : {}),
    files: files.map((f) => ({ path: f.rel, size: f.size, mode: f.mode, sha256: hashes.get(f.rel)! })),
    dirs,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
  };
  const ref = await store.putContent(JSON.stringify(manifest), { ...meta, mediaType: DIRECTORY_MEDIA_TYPE, sha256: undefined });
  return { ref, manifest };
}

/** A tar entry name as a safe relative path inside the destination, or an error naming the artifact. */
function safeEntryPath(name: string, uri: string): string {
  const clean = name.replace(/\/+$/, '');
  const parts = clean.split('/');
  if (
    clean === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    /^[a-zA-Z]:/.test(name) ||
    parts.some((p) => p === '..' || p === '.' || p === '')
  ) {
    throw new ArtifactIntegrityError(`directory artifact ${uri} has an entry that would escape its destination: ${JSON.stringify(name)}`, { artifact: uri });
  }
  return clean;
}

/**
 * Restores a directory artifact into `destDir`, which must not exist or be empty. Everything is
 * verified before the tree appears at `destDir`; on any failure nothing is left there.
 */
export async function getDirectory(store: ArtifactStore, refOrUri: ArtifactRef | string, destDir: string, opts: GetDirectoryOptions = {}): Promise<DirectoryManifest> {
  const uri = typeof refOrUri === 'string' ? refOrUri : refOrUri.uri;
  const manifest = JSON.parse((await store.read(uri)).toString('utf8')) as DirectoryManifest;
  const layout = manifest?.layout ?? 'tar';
  if (manifest?.version !== 1 || !Array.isArray(manifest.files) || (layout === 'tar' && typeof manifest.tar?.sha256 !== 'string') || (layout !== 'tar' && layout !== 'files')) {
    throw new PermanentError(`artifact ${uri} is not a directory manifest`, { artifact: uri });
  }
  const dest = path.resolve(destDir);
  const existing = await fs.readdir(dest).catch(() => undefined);
  if (existing && existing.length > 0) throw new PermanentError(`cannot restore ${uri} into ${dest}: the folder is not empty`, { artifact: uri, file: dest });
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const staging = `${dest}.partial-${randomUUID()}`;
  await fs.mkdir(staging);
  const seen = new Set<string>();
  try {
    if (layout === 'files') await restoreFiles(store, manifest, uri, staging, seen, opts.concurrency ?? 2);
    else await extractTar(store, manifest, uri, staging, seen);
    const missing = manifest.files.filter((f) => !seen.has(f.path));
    if (missing.length > 0) {
      throw new ArtifactIntegrityError(`directory artifact ${uri} is missing ${missing.length} file(s) of its manifest, e.g. ${missing[0]!.path}`, { artifact: uri });
    }
    for (const d of manifest.dirs ?? []) await fs.mkdir(path.join(staging, ...safeEntryPath(d, uri).split('/')), { recursive: true });
    if (existing) await fs.rmdir(dest);
    await fs.rename(staging, dest);
    return manifest;
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    if (err instanceof ArtifactIntegrityError && err.context.artifact !== uri) {
      // The tar blob itself failed its check: name the directory artifact the caller asked for too.
      throw new ArtifactIntegrityError(`directory artifact ${uri}: ${err.message}`, { artifact: uri }, { cause: err });
    }
    if (err instanceof RepairityError || (err as NodeJS.ErrnoException).code !== undefined) throw err;
    // The tar parser's own complaints (bad header checksum, truncated archive): the stored bytes are bad.
    throw new ArtifactIntegrityError(`directory artifact ${uri}: its tar cannot be read (${(err as Error).message}); re-create it`, { artifact: uri }, { cause: err });
  }
}

/** `files` layout: each file is copied from its own blob, verified by the store, size checked. */
async function restoreFiles(store: ArtifactStore, manifest: DirectoryManifest, uri: string, staging: string, seen: Set<string>, concurrency: number): Promise<void> {
  for (const f of manifest.files) {
    const rel = safeEntryPath(f.path, uri);
    if (seen.has(rel)) throw new ArtifactIntegrityError(`directory artifact ${uri}: file ${rel} is listed twice`, { artifact: uri });
    seen.add(rel);
  }
  await eachConcurrently(manifest.files, concurrency, async (f) => {
    const rel = safeEntryPath(f.path, uri);
    const target = path.join(staging, ...rel.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await store.getFile(blobKey(f.sha256), target);
    const size = (await fs.stat(target)).size;
    if (size !== f.size) throw new ArtifactIntegrityError(`directory artifact ${uri}: file ${rel} has ${size} bytes, the manifest says ${f.size}`, { artifact: uri });
    await fs.chmod(target, f.mode & 0o777);
  });
}

/** Runs `fn` over `items`, at most `limit` at once; the first failure stops new starts and is thrown. */
async function eachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** `tar` layout: entries are checked for escapes, each file hashed as written and compared with the manifest. */
async function extractTar(store: ArtifactStore, manifest: DirectoryManifest, uri: string, staging: string, seen: Set<string>): Promise<void> {
  const expected = new Map(manifest.files.map((f) => [f.path, f]));
  const extract = tar.extract();
  const source = await store.open(blobKey(manifest.tar!.sha256));
  const feeding = pipeline(source, extract as unknown as Writable);
  feeding.catch(() => undefined);
  for await (const entry of extract) {
    const rel = safeEntryPath(entry.header.name, uri);
    const target = path.join(staging, ...rel.split('/'));
    if (entry.header.type === 'directory') {
      await fs.mkdir(target, { recursive: true });
      entry.resume();
      continue;
    }
    if (entry.header.type !== 'file') {
      throw new ArtifactIntegrityError(`directory artifact ${uri} has a ${entry.header.type} entry ${JSON.stringify(entry.header.name)}; only files and folders are restored`, { artifact: uri });
    }
    const want = expected.get(rel);
    if (!want || seen.has(rel)) {
      throw new ArtifactIntegrityError(`directory artifact ${uri}: tar entry ${rel} is ${want ? 'repeated' : 'not in the manifest'}`, { artifact: uri });
    }
    seen.add(rel);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      entry as unknown as Readable,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const c of chunks) {
          hash.update(c);
          size += c.length;
          yield c;
        }
      },
      createWriteStream(target, { mode: want.mode & 0o777 }),
    );
    const sha = hash.digest('hex');
    if (sha !== want.sha256 || size !== want.size) {
      throw new ArtifactIntegrityError(`directory artifact ${uri}: file ${rel} hashes to ${sha} (${size} bytes), the manifest says ${want.sha256} (${want.size} bytes)`, { artifact: uri });
    }
  }
  await feeding;
}
