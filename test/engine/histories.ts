/**
 * Recorded workflow histories for the replay test, exported with the `temporal` CLI in its
 * standard JSON form. Set REPAIRITY_RECORD_HISTORIES=1 to refresh the committed ones after an
 * intended change to workflow code.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { inject } from 'vitest';
import { temporalBinary } from '../helpers/services/temporal.js';

export const HISTORY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');

export async function saveHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.REPAIRITY_RECORD_HISTORIES !== '1') return;
  const { stdout } = await promisify(execFile)(temporalBinary(), ['workflow', 'show', '--workflow-id', handle.workflowId, '--output', 'json', '--address', inject('temporalAddress')], { maxBuffer: 64 << 20 });
  await fs.mkdir(HISTORY_DIR, { recursive: true });
  const history = withoutStackTraces(JSON.parse(stdout));
  await fs.writeFile(path.join(HISTORY_DIR, `${name}.json`), JSON.stringify({ workflowId: handle.workflowId, history }));
}

/** Failures' stack traces name the recording machine's folders, and replay never reads them. */
export function withoutStackTraces(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutStackTraces);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'stackTrace' ? '' : withoutStackTraces(v)]));
}
