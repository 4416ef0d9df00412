import path from 'node:path';
import { PermanentError } from '../core/errors.js';

/**
 * Top-level folder (under a store's root or bucket prefix) where a store keeps its own
 * bookkeeping: staging uploads and, for the local store, metadata sidecars. Never a user key.
 */
export const RESERVED_PREFIX = '.repairity';

/** Normalises a store-relative key and refuses anything that could escape the store root. */
export function normaliseKey(key: string): string {
  if (key.length === 0) throw new PermanentError('artifact key is empty');
  if (key.includes('\0')) throw new PermanentError(`artifact key contains a NUL byte: ${JSON.stringify(key)}`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(key)) throw new PermanentError(`artifact key contains a control character: ${JSON.stringify(key)}`);
  if (key.startsWith('/') || key.startsWith('\\') || /^[a-zA-Z]:/.test(key)) {
    throw new PermanentError(`artifact key must be relative to the store root, got absolute path ${JSON.stringify(key)}`);
  }
  const parts = key.replace(/\\/g, '/').split('/');
  if (parts.includes('..')) throw new PermanentError(`artifact key must not contain "..": ${JSON.stringify(key)}`);
  const normal = path.posix.normalize(parts.filter((p) => p !== '' && p !== '.').join('/'));
  if (normal === '.' || normal === '') throw new PermanentError(`artifact key names the store root: ${JSON.stringify(key)}`);
  return normal;
}

/** A key a caller may read or write: normalised, and not inside the store's own bookkeeping folder. */
export function userKey(key: string): string {
  const k = normaliseKey(key);
  if (k === RESERVED_PREFIX || k.startsWith(`${RESERVED_PREFIX}/`)) {
    throw new PermanentError(`artifact key ${JSON.stringify(key)} is inside the store's reserved folder ${RESERVED_PREFIX}/`);
  }
  return k;
}

export function stagingKey(id: string): string {
  return `${RESERVED_PREFIX}/staging/${id}`;
}

export function blobKey(sha256: string): string {
  if (!isSha256(sha256)) throw new PermanentError(`not a sha256 hex digest: ${JSON.stringify(sha256)}`);
  return `blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;
}

export function isSha256(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/** The sha256 a content-addressed key names, or undefined for a named entry. */
export function isBlobKey(key: string): string | undefined {
  const m = /^blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(key);
  const sha = m?.[1];
  return sha !== undefined && key.slice(13, 15) === sha.slice(0, 2) ? sha : undefined;
}
