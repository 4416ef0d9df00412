import { ArtifactNotFoundError } from '../core/errors.js';
import type { ArtifactMeta, ArtifactRef, ArtifactStore } from './types.js';

export async function readJson<T = unknown>(store: ArtifactStore, keyOrUri: string): Promise<T> {
  return JSON.parse((await store.read(keyOrUri)).toString('utf8')) as T;
}

export async function writeJson(store: ArtifactStore, key: string, value: unknown, meta?: ArtifactMeta): Promise<ArtifactRef> {
  return store.put(key, JSON.stringify(value), { mediaType: 'application/json', ...meta });
}

export async function putJsonContent(store: ArtifactStore, value: unknown, meta?: ArtifactMeta): Promise<ArtifactRef> {
  return store.putContent(JSON.stringify(value), { mediaType: 'application/json', ...meta });
}

/** Reads a memoised value, or undefined when nothing is stored under the key. */
export async function readJsonIfExists<T = unknown>(store: ArtifactStore, key: string): Promise<T | undefined> {
  try {
    return await readJson<T>(store, key);
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) return undefined;
    throw err;
  }
}
