/**
 * Replays recorded histories (test/engine/histories, refreshed with REPAIRITY_RECORD_HISTORIES=1;
 * its subfolders hold those of earlier workflow code)
 * through the current workflow code: a change that breaks determinism for runs already in flight
 * fails here instead of in production.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../worker/create-workers.js';
import { HISTORY_DIR } from './histories.js';

describe('workflow replay', () => {
  it('replays every recorded history without non-determinism', async () => {
    // Subfolders keep the histories of earlier workflow code, for as long as its runs may be running.
    const files = (await fs.readdir(HISTORY_DIR, { recursive: true })).filter((f) => f.endsWith('.json'));
    expect(files.filter((f) => !f.includes(path.sep)).length).toBeGreaterThanOrEqual(4);
    const bundle = await workflowBundle();
    for (const file of files) {
      const { workflowId, history } = JSON.parse(await fs.readFile(path.join(HISTORY_DIR, file), 'utf8')) as { workflowId: string; history: unknown };
      // Throws DeterminismViolationError when the code no longer produces the recorded commands.
      await Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, history, workflowId);
    }
  });
});
