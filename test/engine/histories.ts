/**
 * Recorded workflow histories for the replay test. Set REPAIRITY_RECORD_HISTORIES=1 to refresh
 * the committed ones after an intended change to workflow code.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';

export const HISTORY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');

export async function saveHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.REPAIRITY_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  await fs.mkdir(HISTORY_DIR, { recursive: true });
  await fs.writeFile(path.join(HISTORY_DIR, `${name}.json`), JSON.stringify({ workflowId: handle.workflowId, history }));
}
