/** A StepContext over a local store folder, for calling this area's step implementations directly. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StepContext } from '../../engine/kind.js';
import { writeRecords } from '../../kinds/data/records.js';
import { readRecords } from '../../kinds/data/records.js';
import { LocalStore } from '../../store/local.js';
import { recordingContext } from '../helpers/step-context.js';
import type { ArtifactStore } from '../../store/types.js';

export async function tempStore(): Promise<{ store: ArtifactStore; dir: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-pipeline-test-'));
  return { store: new LocalStore(dir), dir };
}

export function stepContext(store: ArtifactStore, stepId = 'step'): StepContext {
  return recordingContext(store, { stepId, cache: false });
}

export async function putRows(store: ArtifactStore, rows: unknown[]): Promise<string> {
  return (await writeRecords(store, rows)).ref.uri;
}

export async function getRows<T = Record<string, unknown>>(store: ArtifactStore, uri: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of readRecords(store, uri)) out.push(r as T);
  return out;
}
