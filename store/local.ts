import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArtifactIntegrityError, ArtifactNotFoundError, PermanentError } from '../core/errors.js';
import { blobKey, isBlobKey, normaliseKey } from './keys.js';
import type { ArtifactMeta, ArtifactRef, ArtifactStore, Body } from './types.js';

function toReadable(body: Body): Readable {
  if (body instanceof Readable) return body;
  return Readable.from([typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)]);
}

/** The embedded default store: a folder on the local disk. */
export class LocalStore implements ArtifactStore {
  readonly rootUri: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.rootUri = pathToFileURL(this.root).href;
  }

  private keyOf(keyOrUri: string): string {
    if (keyOrUri.startsWith('file://')) {
      const abs = fileURLToPath(keyOrUri);
      const rel = path.relative(this.root, abs);
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        throw new PermanentError(`artifact ${keyOrUri} is outside the store at ${this.rootUri}`, { artifact: keyOrUri });
      }
      return normaliseKey(rel.split(path.sep).join('/'));
    }
    if (/^[a-z0-9+.-]+:\/\//i.test(keyOrUri)) {
      throw new PermanentError(`artifact ${keyOrUri} does not belong to the local store at ${this.rootUri}`, { artifact: keyOrUri });
    }
    return normaliseKey(keyOrUri);
  }

  private async fileOf(key: string): Promise<string> {
    const file = path.join(this.root, ...key.split('/'));
    // Refuse symlinks that lead out of the root.
    const dir = path.dirname(file);
    try {
      const realDir = await fs.realpath(dir);
      const realRoot = await fs.realpath(this.root);
      if (realDir !== realRoot && !realDir.startsWith(realRoot + path.sep)) {
        throw new PermanentError(`artifact key ${key} resolves outside the store root`, { artifact: key });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return file;
  }

  private async writeAtomically(key: string, body: Body): Promise<{ sha256: string; size: number }> {
    const file = await this.fileOf(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${randomUUID()}`;
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(toReadable(body), meter, createWriteStream(tmp));
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return { sha256: hash.digest('hex'), size };
  }

  async put(key: string, body: Body, meta: ArtifactMeta = {}): Promise<ArtifactRef> {
    const k = this.keyOf(key);
    const { sha256, size } = await this.writeAtomically(k, body);
    return { uri: `${this.rootUri}/${k}`, sha256, size, mediaType: meta.mediaType ?? 'application/octet-stream' };
  }

  async putContent(body: Body, meta: ArtifactMeta = {}): Promise<ArtifactRef> {
    const staging = `tmp/${randomUUID()}`;
    const { sha256, size } = await this.writeAtomically(staging, body);
    const key = blobKey(sha256);
    const dest = await this.fileOf(key);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.rename(await this.fileOf(staging), dest);
    return { uri: `${this.rootUri}/${key}`, sha256, size, mediaType: meta.mediaType ?? 'application/octet-stream' };
  }

  async open(keyOrUri: string): Promise<Readable> {
    const key = this.keyOf(keyOrUri);
    const file = await this.fileOf(key);
    try {
      await fs.access(file);
    } catch {
      throw new ArtifactNotFoundError(`artifact ${keyOrUri} not found in ${this.rootUri}`, { artifact: keyOrUri });
    }
    const stream = createReadStream(file);
    const expected = isBlobKey(key);
    if (!expected) return stream;
    const hash = createHash('sha256');
    const verify = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
      flush(cb) {
        const actual = hash.digest('hex');
        if (actual !== expected) {
          cb(new ArtifactIntegrityError(`artifact ${keyOrUri} is corrupt: content hash ${actual} does not match its name`, { artifact: keyOrUri }));
        } else cb();
      },
    });
    stream.on('error', (e) => verify.destroy(e));
    return stream.pipe(verify);
  }

  async read(keyOrUri: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.open(keyOrUri)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async exists(keyOrUri: string): Promise<boolean> {
    try {
      await fs.access(await this.fileOf(this.keyOf(keyOrUri)));
      return true;
    } catch {
      return false;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const base = prefix === '' ? '' : this.keyOf(prefix);
    const start = base === '' ? this.root : await this.fileOf(base);
    async function* walk(dir: string, rel: string): AsyncIterable<string> {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) yield* walk(path.join(dir, e.name), childRel);
        else if (e.isFile() && !e.name.includes('.tmp-')) yield childRel;
      }
    }
    yield* walk(start, base);
  }

  async delete(keyOrUri: string): Promise<void> {
    await fs.rm(await this.fileOf(this.keyOf(keyOrUri)), { force: true });
  }
}
