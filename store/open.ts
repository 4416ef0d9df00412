import { fileURLToPath } from 'node:url';
import { PermanentError } from '../core/errors.js';
import { LocalStore } from './local.js';
import { createS3Client, type S3ClientSettings } from './s3-client.js';
import { S3Store, parseS3Uri, type S3StoreOptions } from './s3.js';
import type { ArtifactStore } from './types.js';

export interface OpenStoreOptions {
  /** Settings of the S3 client for `s3://` roots (read once at the edge: worker/settings.ts). */
  s3?: S3ClientSettings;
  /** Upload tuning for `s3://` roots (part size, parallel parts). */
  s3Upload?: Omit<S3StoreOptions, 'client' | 'bucket' | 'prefix'>;
}

/** Opens the store named by a root URI: `file:///dir`, a plain path, or `s3://bucket/prefix`. */
export async function openStore(rootUri: string, opts: OpenStoreOptions = {}): Promise<ArtifactStore> {
  if (rootUri.startsWith('file://')) return new LocalStore(fileURLToPath(rootUri));
  if (rootUri.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(rootUri);
    return new S3Store({ ...opts.s3Upload, client: createS3Client(opts.s3), bucket, prefix: key });
  }
  if (!/^[a-z0-9+.-]+:\/\//i.test(rootUri)) return new LocalStore(rootUri);
  throw new PermanentError(`unsupported artifact store ${rootUri}: use file:///path or s3://bucket/prefix`);
}
