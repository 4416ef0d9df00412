/** Record streams over JSONL artifacts, for the data steps. */
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { PermanentError } from '../../core/errors.js';
import type { ArtifactRef, ArtifactStore } from '../../store/types.js';

export async function* readRecords(store: ArtifactStore, uri: string): AsyncIterable<unknown> {
  const lines = readline.createInterface({ input: await store.open(uri), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch {
      throw new PermanentError(`line ${n} of ${uri} is not valid JSON`, { artifact: uri });
    }
  }
}

export async function writeRecords(store: ArtifactStore, records: AsyncIterable<unknown> | Iterable<unknown>, meta: { run?: string; step?: string } = {}): Promise<{ ref: ArtifactRef; count: number }> {
  let count = 0;
  async function* lines(): AsyncIterable<string> {
    for await (const r of records) {
      count++;
      yield `${JSON.stringify(r)}\n`;
    }
  }
  const ref = await store.putContent(Readable.from(lines()), { mediaType: 'application/x-ndjson', ...meta });
  return { ref, count };
}
