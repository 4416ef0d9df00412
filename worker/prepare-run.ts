import fs from 'node:fs/promises';
import path from 'node:path';
import type { PreparedRun } from '../engine/invocation.js';
import type { StepCatalog } from '../kinds/catalog.js';
import { bindParams, compilePipelineFile } from '../compiler/index.js';
import { PipelineCompileError } from '../compiler/diagnostics.js';
import { PermanentError } from '../core/errors.js';

/**
 * Loads a pipeline named by a path under the pipelines folder (as typed in the Temporal UI's
 * start form), compiles it and binds the params. Paths may not leave the folder.
 */
export async function preparePipelineRun(pipelinesDir: string, pipeline: string, params: Record<string, unknown>, catalog: StepCatalog): Promise<PreparedRun> {
  const root = path.resolve(pipelinesDir);
  const file = path.resolve(root, pipeline);
  if (file !== root && !file.startsWith(root + path.sep)) {
    throw new PermanentError(`pipeline "${pipeline}" is outside the pipelines folder ${root}: name a file under it, e.g. "repairity.yaml"`);
  }
  try {
    await fs.access(file);
  } catch {
    throw new PermanentError(`pipeline "${pipeline}" not found under ${root} (set REPAIRITY_PIPELINES on the worker to change the folder)`);
  }
  const result = compilePipelineFile(file, { catalog, root });
  if (!result.ok) throw new PipelineCompileError(result.diagnostics);
  return { plan: result.plan, params: bindParams(result.plan, params) };
}
