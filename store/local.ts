import { createHash, randomUUID } from 'node:crypto';
import { constants as fsConstants, createReadStream, createWriteStream, type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArtifactIntegrityError, ArtifactNotFoundError, PermanentError } from '../core/errors.js';
import { RESERVED_PREFIX, blobKey, isBlobKey, isSha256, stagingKey, userKey } from './keys.js';
import { DEFAULT_MEDIA_TYPE, mediaTypeOfKey } from './media-types.js';
import { HashPool } from './hash-pool.js';
import { type CleanStagingOptions, type CleanStagingResult, DEFAULT_STAGING_MAX_AGE_MS } from './staging.js';
import { HashMeter, corruptArtifact, toReadable, verifying } from './streams.js';
import { readWholeFile, writeWholeFile } from './whole-file.js';
import type { ArtifactInfo, ArtifactMeta, ArtifactRef, ArtifactStore, Body } from './types.js';

/** The sidecar that holds an object's metadata (the local store's equivalent of S3 object metadata). */
interface Sidecar {
  mediaType: string;
  sha256?: string;
  run?: string;
  step?: string;
}

/**
 * The embedded default store: a folder on the local disk.
 *
 * Layout: objects at `<root>/<key>`; metadata sidecars at `<root>/.repairity/meta/<key>.json`;
 * writes go to `<root>/.repairity/staging/<uuid>` and are renamed into place (atomic on one file
 * system), so a reader never sees part of an object. Keys are confined to the root: `..`, absolute
 * paths and symlinks that lead out of the root are refused.
 */
export class LocalStore implements ArtifactStore {
  readonly rootUri: string;
  readonly directoryLayout = 'files' as const;
  private readonly root: string;
  private realRoot: string | undefined;
  private hashPool: HashPool | undefined;
  /**
   * Folders this store made or checked: they exist and resolve inside the root. Writes into them
   * skip the symlink probing (a rename replaces a symlink, never writes through it), which is most
   * of the cost of a small object on a slow disk.
   */
  private readonly knownDirs = new Set<string>();
  /** Folders being made ready for writes now (writableDir). */
  private readonly preparing = new Map<string, Promise<boolean>>();

  constructor(root: string) {
    this.root = path.resolve(root);
    this.rootUri = pathToFileURL(this.root).href;
  }

  private keyOf(keyOrUri: string): string {
    if (keyOrUri.startsWith('file://')) {
      let abs: string;
      try {
        abs = fileURLToPath(keyOrUri);
      } catch (err) {
        throw new PermanentError(`artifact URI ${keyOrUri} is not a valid file URI`, { artifact: keyOrUri }, { cause: err });
      }
      const rel = path.relative(this.root, abs);
      if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
        throw new PermanentError(`artifact ${keyOrUri} is outside the store at ${this.rootUri}`, { artifact: keyOrUri });
      }
      return userKey(rel.split(path.sep).join('/'));
    }
    if (/^[a-z0-9+.-]+:\/\//i.test(keyOrUri)) {
      throw new PermanentError(`artifact ${keyOrUri} does not belong to the local store at ${this.rootUri}`, { artifact: keyOrUri });
    }
    return userKey(keyOrUri);
  }

  uriOf(keyOrUri: string): string {
    return `${this.rootUri}/${this.keyOf(keyOrUri)}`;
  }

  private async rootReal(): Promise<string> {
    if (this.realRoot === undefined) {
      await fs.mkdir(this.root, { recursive: true });
      this.realRoot = await fs.realpath(this.root);
    }
    return this.realRoot;
  }

  /**
   * The file of a (normalised) key, after checking that neither it nor any existing parent folder
   * is a symlink that resolves outside the root. Checks the deepest existing ancestor, so a
   * symlinked folder cannot be used to create new files outside the root either.
   */
  private async fileOf(key: string): Promise<string> {
    const realRoot = await this.rootReal();
    const file = path.join(this.root, ...key.split('/'));
    let probe = file;
    for (;;) {
      try {
        this.assertInside(await fs.realpath(probe), realRoot, key);
        if (probe !== file) this.knownDirs.add(probe);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
        // A dangling symlink: refuse it rather than write through it.
        const st = await fs.lstat(probe).catch(() => undefined);
        if (st?.isSymbolicLink()) {
          throw new PermanentError(`artifact key ${key} goes through a dangling symlink in the store ${this.rootUri}`, { artifact: key });
        }
        const parent = path.dirname(probe);
        if (parent === probe || this.knownDirs.has(parent)) break;
        probe = parent;
      }
    }
    return file;
  }

  private assertInside(real: string, realRoot: string, key: string): void {
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
      throw new PermanentError(`artifact key ${key} resolves outside the store root ${this.rootUri} (through a symlink)`, { artifact: key });
    }
  }

  /**
   * The file a write of `key` renames into place, its folder made if need be. In a known folder
   * only the last step is looked at: a symlink there gets the full check (and the same refusal)
   * as anywhere else; in a folder this write made, nothing is there to look at.
   */
  private async writableFileOf(key: string): Promise<{ file: string; madeDir: boolean }> {
    const file = path.join(this.root, ...key.split('/'));
    if (await this.writableDir(path.dirname(file), key)) return { file, madeDir: true };
    const st = await fs.lstat(file).catch(() => undefined);
    return { file: st?.isSymbolicLink() ? await this.fileOf(key) : file, madeDir: false };
  }

  /**
   * Makes sure a folder that writes go to exists inside the root; says whether this call made it.
   * From the deepest folder this store knows, the steps that exist are looked at one by one (a
   * symlink must resolve inside the root) and the first missing one is made with all below it:
   * a run's first file, seven folders deep, costs one look and a mkdir, not a probe of each
   * level. Writes into the same new folder at once share one preparation.
   */
  private writableDir(dir: string, key: string): Promise<boolean> {
    if (this.knownDirs.has(dir)) return Promise.resolve(false);
    let preparing = this.preparing.get(dir);
    if (preparing === undefined) {
      preparing = this.prepareDir(dir, key).finally(() => this.preparing.delete(dir));
      this.preparing.set(dir, preparing);
    }
    return preparing;
  }

  private async prepareDir(dir: string, key: string): Promise<boolean> {
    const realRoot = await this.rootReal();
    const unknown: string[] = [];
    for (let d = dir; d !== this.root && !this.knownDirs.has(d); d = path.dirname(d)) unknown.unshift(d);
    for (const [i, d] of unknown.entries()) {
      const st = await fs.lstat(d).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (st === undefined) {
        await fs.mkdir(dir, { recursive: true });
        for (const made of unknown.slice(i)) this.knownDirs.add(made);
        return true;
      }
      if (st.isSymbolicLink()) {
        const real = await fs.realpath(d).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
          throw new PermanentError(`artifact key ${key} goes through a dangling symlink in the store ${this.rootUri}`, { artifact: key });
        });
        this.assertInside(real, realRoot, key);
      } else if (!st.isDirectory()) {
        // A file where a folder should be: the write fails on it as it would anywhere.
        return false;
      }
      this.knownDirs.add(d);
    }
    return false;
  }

  /** A fresh name in the staging folder (made on first use): nothing is there to look at. */
  private async stagingFile(): Promise<string> {
    const tmp = path.join(this.root, ...stagingKey(randomUUID()).split('/'));
    if (!this.knownDirs.has(path.dirname(tmp))) {
      await this.fileOf(stagingKey('probe'));
      await this.ensureDir(path.dirname(tmp));
    }
    return tmp;
  }

  /** Makes a folder (whose path `fileOf` has already checked) and remembers it. */
  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await fs.mkdir(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  /** Runs a write; if a remembered folder was removed behind the store's back, forgets it and tries once more. */
  private async inKnownDirs<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || this.knownDirs.size === 0) throw err;
      this.knownDirs.clear();
      return write();
    }
  }

  private sidecarFile(key: string): string {
    return path.join(this.root, RESERVED_PREFIX, 'meta', ...key.split('/')) + '.json';
  }

  /** Streams a body into a fresh staging file; returns its path, hash and size. Removes it on failure. */
  private async stage(body: Body, expected?: { sha256: string; artifact: string }): Promise<{ tmp: string; sha256: string; size: number }> {
    const tmp = await this.stagingFile();
    if (typeof body === 'string' || body instanceof Uint8Array) return this.stageSmall(tmp, body, expected);
    const meter = new HashMeter(expected);
    try {
      await pipeline(toReadable(body), meter, createWriteStream(tmp));
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return { tmp, sha256: meter.sha256, size: meter.bytes };
  }

  /** A body already in memory: hashed and written in one call, no stream. */
  private async stageSmall(tmp: string, body: string | Uint8Array, expected?: { sha256: string; artifact: string }): Promise<{ tmp: string; sha256: string; size: number }> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (expected && sha256 !== expected.sha256) {
      throw new ArtifactIntegrityError(`artifact ${expected.artifact}: content hash ${sha256} does not match the expected sha256 ${expected.sha256}`, { artifact: expected.artifact });
    }
    await this.inKnownDirs(() => writeWholeFile(tmp, bytes));
    return { tmp, sha256, size: bytes.byteLength };
  }

  private async writeSidecar(key: string, sidecar: Sidecar): Promise<void> {
    const file = this.sidecarFile(key);
    await this.ensureDir(path.dirname(file));
    const tmp = await this.stagingFile();
    await writeWholeFile(tmp, JSON.stringify(sidecar));
    await fs.rename(tmp, file);
  }

  /**
   * Renames a staged object into place, with its sidecar when it has one to keep: lineage, or a
   * media type its key's extension does not say (`mediaTypeOfKey`). The engine's own files (item
   * records, batches, contexts) need none, which spares each a second folder tree and file. An
   * object written without one loses any sidecar an earlier write of its key left.
   */
  private async commit(tmp: string, key: string, sidecar: Sidecar): Promise<void> {
    const keep = sidecar.run !== undefined || sidecar.step !== undefined || sidecar.mediaType !== mediaTypeOfKey(key);
    try {
      await this.inKnownDirs(async () => {
        const dest = await this.writableFileOf(key);
        // The sidecar first, so that whoever sees the object also sees its metadata. In a folder
        // made just now no earlier write of the key can have left one.
        if (keep) await this.writeSidecar(key, sidecar);
        else if (!dest.madeDir) await fs.rm(this.sidecarFile(key), { force: true });
        await fs.rename(tmp, dest.file);
      });
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async put(key: string, body: Body, meta: ArtifactMeta = {}): Promise<ArtifactRef> {
    const k = this.keyOf(key);
    if (isBlobKey(k)) throw new PermanentError(`artifact key ${k} is a content address: write it with putContent`, { artifact: k });
    const { tmp, sha256, size } = await this.stage(body);
    const mediaType = meta.mediaType ?? DEFAULT_MEDIA_TYPE;
    await this.commit(tmp, k, { mediaType, sha256, ...lineage(meta) });
    return { uri: `${this.rootUri}/${k}`, sha256, size, mediaType };
  }

  async putContent(body: Body, meta: ArtifactMeta = {}): Promise<ArtifactRef> {
    if (meta.sha256 !== undefined && !isSha256(meta.sha256)) throw new PermanentError(`putContent: sha256 ${JSON.stringify(meta.sha256)} is not a hex sha256`);
    const expected = meta.sha256 !== undefined ? { sha256: meta.sha256, artifact: `${this.rootUri}/${blobKey(meta.sha256)}` } : undefined;
    const { tmp, sha256, size } = await this.stage(body, expected);
    const key = blobKey(sha256);
    const mediaType = meta.mediaType ?? DEFAULT_MEDIA_TYPE;
    // Same content, same name: renaming over an existing blob is harmless (and heals a corrupt one).
    await this.commit(tmp, key, { mediaType, sha256, ...lineage(meta) });
    return { uri: `${this.rootUri}/${key}`, sha256, size, mediaType };
  }

  private hasher(): HashPool {
    this.hashPool ??= new HashPool();
    return this.hashPool;
  }

  /**
   * Copies the file with the kernel (copy_file_range / reflink, via fs.copyFile on the thread pool)
   * while a worker thread hashes it, so hashing runs beside the copy on another core. The source must not
   * change meanwhile: its size and mtime are checked before and after, and a change is refused.
   */
  async putFile(file: string, meta: ArtifactMeta = {}): Promise<ArtifactRef> {
    const before = await fs.stat(file).catch((err: unknown) => {
      throw new PermanentError(`cannot store ${file}: ${(err as Error).message}`, { file }, { cause: err });
    });
    if (!before.isFile()) throw new PermanentError(`cannot store ${file}: not a regular file`, { file });
    const tmp = await this.fileOf(stagingKey(randomUUID()));
    await fs.mkdir(path.dirname(tmp), { recursive: true });
    try {
      const [digest] = await Promise.all([this.hasher().hashFile(file), fs.copyFile(file, tmp)]);
      const after = await fs.stat(file);
      const copied = await fs.stat(tmp);
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || copied.size !== before.size) {
        throw new PermanentError(`${file} changed while it was being stored; store it again once it is complete`, { file });
      }
      if (meta.sha256 !== undefined && meta.sha256 !== digest) {
        throw new ArtifactIntegrityError(`${file} hashes to ${digest}, not to the expected sha256 ${meta.sha256}`, { file });
      }
      const key = blobKey(digest);
      const mediaType = meta.mediaType ?? DEFAULT_MEDIA_TYPE;
      await this.commit(tmp, key, { mediaType, sha256: digest, ...lineage(meta) });
      return { uri: `${this.rootUri}/${key}`, sha256: digest, size: before.size, mediaType };
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  /** Kernel copy to a temporary file beside `dest` while a worker thread verifies the source's hash. */
  async getFile(keyOrUri: string, dest: string): Promise<void> {
    const { key, file, size } = await this.existingFile(keyOrUri);
    const tmp = `${dest}.partial-${randomUUID()}`;
    try {
      const expected = isBlobKey(key);
      const [digest] = await Promise.all([expected ? this.hasher().hashFile(file) : Promise.resolve(undefined), fs.copyFile(file, tmp)]);
      if (expected && digest !== undefined && digest !== expected) throw corruptArtifact(this.uriOf(key), digest);
      if ((await fs.stat(tmp)).size !== size) throw new ArtifactIntegrityError(`artifact ${this.uriOf(key)} changed while it was copied`, { artifact: this.uriOf(key) });
      await fs.rename(tmp, dest);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  private async existingFile(keyOrUri: string): Promise<{ key: string; file: string; size: number }> {
    const key = this.keyOf(keyOrUri);
    const file = await this.fileOf(key);
    const st = await fs.stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new ArtifactNotFoundError(`artifact ${keyOrUri} not found in ${this.rootUri}`, { artifact: keyOrUri });
    return { key, file, size: st.size };
  }

  async open(keyOrUri: string): Promise<Readable> {
    const { key, file } = await this.existingFile(keyOrUri);
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    const expected = isBlobKey(key);
    return expected ? verifying(stream, expected, this.uriOf(key)) : stream;
  }

  async openRange(keyOrUri: string, start: number, end: number): Promise<Readable> {
    const { file, size } = await this.existingFile(keyOrUri);
    if (!(start >= 0 && end >= start)) throw new PermanentError(`artifact ${keyOrUri}: bad byte range [${start}, ${end})`, { artifact: keyOrUri });
    const last = Math.min(end, size) - 1;
    if (last < start) return toReadable(Buffer.alloc(0));
    return createReadStream(file, { start, end: last, highWaterMark: 1 << 20 });
  }

  async read(keyOrUri: string): Promise<Buffer> {
    const key = this.keyOf(keyOrUri);
    const file = path.join(this.root, ...key.split('/'));
    const dir = path.dirname(file);
    let bytes: Buffer | undefined;
    // One open answers most reads (a miss costs just that): O_NOFOLLOW refuses a symlink as the
    // last step (which then goes the checked way below), and bytes read through a folder not yet
    // known are returned only once that folder resolves inside the root.
    try {
      bytes = await readWholeFile(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw new ArtifactNotFoundError(`artifact ${keyOrUri} not found in ${this.rootUri}`, { artifact: keyOrUri });
      if (code !== 'ELOOP') throw err;
    }
    if (bytes !== undefined && !this.knownDirs.has(dir)) {
      this.assertInside(await fs.realpath(dir), await this.rootReal(), key);
      this.knownDirs.add(dir);
    }
    bytes ??= await readWholeFile((await this.existingFile(keyOrUri)).file);
    const expected = isBlobKey(key);
    if (expected) {
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (digest !== expected) throw corruptArtifact(this.uriOf(key), digest);
    }
    return bytes;
  }

  async stat(keyOrUri: string): Promise<ArtifactInfo> {
    const { key, size } = await this.existingFile(keyOrUri);
    let sidecar: Partial<Sidecar> = {};
    try {
      sidecar = JSON.parse((await readWholeFile(this.sidecarFile(key))).toString('utf8')) as Sidecar;
    } catch {
      // Objects whose key says all there is to know have no sidecar, nor have objects written by hand.
    }
    const sha256 = isBlobKey(key) ?? sidecar.sha256;
    return {
      uri: this.uriOf(key),
      key,
      size,
      mediaType: sidecar.mediaType ?? mediaTypeOfKey(key),
      ...(sha256 !== undefined ? { sha256 } : {}),
      ...(sidecar.run !== undefined ? { run: sidecar.run } : {}),
      ...(sidecar.step !== undefined ? { step: sidecar.step } : {}),
    };
  }

  async exists(keyOrUri: string): Promise<boolean> {
    const key = this.keyOf(keyOrUri);
    const st = await fs.stat(await this.fileOf(key)).catch(() => undefined);
    return st?.isFile() ?? false;
  }

  async *list(prefix: string): AsyncIterable<string> {
    const base = prefix === '' ? '' : this.keyOf(prefix);
    const start = base === '' ? this.root : path.join(this.root, ...base.split('/'));
    const entriesOf = (dir: string): Promise<Dirent[] | undefined> => fs.readdir(dir, { withFileTypes: true }).catch(() => undefined);
    // Nothing under the prefix (most lists of a run's first attempt): no folder to check.
    const top = await entriesOf(start);
    if (top === undefined) return;
    // Something is there: the folder must resolve inside the root, as for a read.
    if (base !== '' && !this.knownDirs.has(start)) await this.fileOf(base);
    async function* walk(dir: string, rel: string, entries: Dirent[]): AsyncIterable<string> {
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (rel === '' && e.name === RESERVED_PREFIX) continue;
        const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
        // Symlinks are not followed: a listing never leaves the root.
        if (e.isDirectory()) {
          const child = path.join(dir, e.name);
          const sub = await entriesOf(child);
          if (sub) yield* walk(child, childRel, sub);
        } else if (e.isFile()) yield childRel;
      }
    }
    yield* walk(start, base, top);
  }

  /**
   * Deletes staging files that writes cut short by a crash left in `.repairity/staging`, if older
   * than `olderThanMs` (default 24 h: a write in progress is never that old). Called at worker start.
   */
  async cleanStaging(opts: CleanStagingOptions = {}): Promise<CleanStagingResult> {
    const dir = path.dirname(path.join(this.root, ...stagingKey('x').split('/')));
    const cutoff = Date.now() - (opts.olderThanMs ?? DEFAULT_STAGING_MAX_AGE_MS);
    let stagingDeleted = 0;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isFile()) continue;
      const file = path.join(dir, e.name);
      const st = await fs.stat(file).catch(() => undefined);
      if (st && st.mtimeMs < cutoff) {
        await fs.rm(file, { force: true });
        stagingDeleted++;
      }
    }
    return { stagingDeleted, uploadsAborted: 0 };
  }

  async delete(keyOrUri: string): Promise<void> {
    const key = this.keyOf(keyOrUri);
    await fs.rm(await this.fileOf(key), { force: true });
    await fs.rm(this.sidecarFile(key), { force: true });
  }
}

function lineage(meta: ArtifactMeta): { run?: string; step?: string } {
  return { ...(meta.run !== undefined ? { run: meta.run } : {}), ...(meta.step !== undefined ? { step: meta.step } : {}) };
}
