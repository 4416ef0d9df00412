import { fileURLToPath } from 'node:url';
import { PermanentError } from '../core/errors.js';
import { LocalStore } from './local.js';
import type { ArtifactStore } from './types.js';

/** Opens the store named by a root URI (`file:///dir`, or a plain path). */
export async function openStore(rootUri: string): Promise<ArtifactStore> {
  if (rootUri.startsWith('file://')) return new LocalStore(fileURLToPath(rootUri));
  if (!/^[a-z0-9+.-]+:\/\//i.test(rootUri)) return new LocalStore(rootUri);
  throw new PermanentError(`unsupported artifact store ${rootUri}: use file:///path or s3://bucket/prefix`);
}
