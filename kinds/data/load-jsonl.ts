import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { PermanentError } from '../../core/errors.js';
import type { StepContext } from '../../engine/kind.js';
import { readRecords, writeRecords } from './records.js';
import type { KindImpl, SpecNamed } from '../define.js';
import type { dataSpecs } from './specs.js';

async function* fileRecords(file: string, limit: number | undefined): AsyncIterable<unknown> {
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  let count = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    if (limit !== undefined && count >= limit) break;
    try {
      yield JSON.parse(line);
    } catch {
      throw new PermanentError(`${file}:${n}: not valid JSON; each line of a JSONL file must be one JSON value`);
    }
    count++;
  }
}

async function* limited(records: AsyncIterable<unknown>, limit: number | undefined): AsyncIterable<unknown> {
  let count = 0;
  for await (const r of records) {
    if (limit !== undefined && count >= limit) return;
    count++;
    yield r;
  }
}

export function loadJsonl(dataRoot: string): KindImpl<SpecNamed<typeof dataSpecs, 'data.load_jsonl'>> {
  return async (input, ctx: StepContext) => {
    let records: AsyncIterable<unknown>;
    if (/^(file|s3):\/\//.test(input.path)) {
      records = limited(readRecords(ctx.store, input.path), input.limit);
    } else {
      const file = path.resolve(dataRoot, input.path);
      try {
        await fs.access(file);
      } catch {
        throw new PermanentError(`dataset file ${file} not found (relative paths are resolved against the worker's data root ${dataRoot}; set REPAIRITY_DATA_ROOT to change it)`);
      }
      records = fileRecords(file, input.limit);
    }
    const { ref, count } = await writeRecords(ctx.store, records, { run: ctx.runId, step: ctx.stepId });
    return { dataset: ref.uri, count };
  };
}
