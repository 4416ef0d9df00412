/** Rows of a JSONL source: a file on the worker (relative to its data root) or a store URI. */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { PermanentError } from '../../core/errors.js';
import { readRecords } from '../data/records.js';
import type { ArtifactStore } from '../../store/types.js';

export async function* sourceRows(store: ArtifactStore, dataRoot: string, source: string): AsyncIterable<unknown> {
  if (/^(file|s3):\/\//.test(source)) {
    yield* readRecords(store, source);
    return;
  }
  const file = path.resolve(dataRoot, source);
  try {
    await fs.access(file);
  } catch {
    throw new PermanentError(`benchmark file ${file} not found (relative paths are resolved against the worker's data root ${dataRoot}; set REPAIRITY_DATA_ROOT to change it)`);
  }
  let n = 0;
  for await (const line of readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch {
      throw new PermanentError(`${file}:${n}: not valid JSON; each line of a JSONL file must be one JSON value`);
    }
  }
}

export async function allRows<T = Record<string, unknown>>(store: ArtifactStore, uri: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of readRecords(store, uri)) out.push(r as T);
  return out;
}
