/** The activities of the hand-batched baseline (handwritten-workflow.ts): results go to files, not history. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';

export interface BatchCall {
  dir: string;
  start: number;
  items: number[];
  concurrency: number;
}

const batchFile = (dir: string, start: number): string => path.join(dir, `batch-${String(start).padStart(9, '0')}.jsonl`);

export function createBatchedActivities(work: (item: number) => Promise<unknown>) {
  return {
    async processBatch(call: BatchCall): Promise<{ succeeded: number; failed: number }> {
      const lines: string[] = new Array<string>(call.items.length);
      let next = 0;
      let succeeded = 0;
      let failed = 0;
      const runner = async (): Promise<void> => {
        while (next < call.items.length) {
          const i = next++;
          try {
            lines[i] = JSON.stringify({ index: call.start + i, status: 'succeeded', outputs: await work(call.items[i]!) });
            succeeded++;
          } catch (err) {
            lines[i] = JSON.stringify({ index: call.start + i, status: 'failed', error: String(err) });
            failed++;
          }
          Context.current().heartbeat(succeeded + failed);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(call.concurrency, call.items.length)) }, runner));
      await fs.writeFile(batchFile(call.dir, call.start), `${lines.join('\n')}\n`);
      return { succeeded, failed };
    },
    async collectBatches({ dir, starts }: { dir: string; starts: number[] }): Promise<string> {
      const out = path.join(dir, `results-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`);
      for (const start of starts) await fs.appendFile(out, await fs.readFile(batchFile(dir, start)));
      return out;
    },
  };
}

export type BatchedActivities = ReturnType<typeof createBatchedActivities>;
