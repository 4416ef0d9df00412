import path from 'node:path';
import { PermanentError } from '../core/errors.js';

/** Normalises a store-relative key and refuses anything that could escape the store root. */
export function normaliseKey(key: string): string {
  if (key.length === 0) throw new PermanentError('artifact key is empty');
  if (key.includes('\0')) throw new PermanentError(`artifact key contains a NUL byte: ${JSON.stringify(key)}`);
  if (key.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(key)) {
    throw new PermanentError(`artifact key must be relative to the store root, got absolute path ${JSON.stringify(key)}`);
  }
  const parts = key.replace(/\\/g, '/').split('/');
  if (parts.includes('..')) throw new PermanentError(`artifact key must not contain "..": ${JSON.stringify(key)}`);
  const normal = path.posix.normalize(parts.filter((p) => p !== '' && p !== '.').join('/'));
  if (normal === '.' || normal === '') throw new PermanentError(`artifact key names the store root: ${JSON.stringify(key)}`);
  return normal;
}

export function blobKey(sha256: string): string {
  return `blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;
}

export function isBlobKey(key: string): string | undefined {
  const m = /^blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(key);
  return m?.[1];
}
