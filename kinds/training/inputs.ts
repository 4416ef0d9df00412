/** Brings a step's inputs from the artifact store into the attempt's work folder. */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { getDirectory } from '../../store/directory.js';
import type { ArtifactStore } from '../../store/types.js';

const URI = /^[a-z0-9+.-]+:\/\//i;

export function isUri(value: string): boolean {
  return URI.test(value);
}

/** A JSONL (or any) artifact to a local file; returns its path. */
export async function fetchFile(store: ArtifactStore, uri: string, dest: string): Promise<string> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await pipeline(await store.open(uri), createWriteStream(dest));
  return dest;
}

/**
 * A model input: a directory artifact URI is restored into `dest`; "tiny" and base model names or
 * paths (loaded by the trainer itself, e.g. from the GPU worker's model cache) pass through.
 */
export async function fetchModel(store: ArtifactStore, model: string, dest: string): Promise<string> {
  if (!isUri(model)) return model;
  await getDirectory(store, model, dest);
  return dest;
}
