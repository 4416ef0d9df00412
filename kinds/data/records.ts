/** Record streams over JSONL artifacts, for the data steps (store/jsonl.ts does the work). */
import { readJsonl, writeJsonl } from '../../store/jsonl.js';
import type { ArtifactRef, ArtifactStore } from '../../store/types.js';

export const readRecords: (store: ArtifactStore, uri: string) => AsyncIterable<unknown> = readJsonl;

export async function writeRecords(store: ArtifactStore, records: AsyncIterable<unknown> | Iterable<unknown>, meta: { run?: string; step?: string } = {}): Promise<{ ref: ArtifactRef; count: number }> {
  const { ref, count } = await writeJsonl(store, records, meta);
  return { ref, count };
}
