import path from 'node:path';
import { compilePipelineFile, PipelineCompileError } from '../compiler/index.js';
import type { Plan } from '../engine/plan.js';
import { isInside } from '../compiler/read-file.js';
import { loadDefaults } from '../worker/settings.js';

/**
 * The pipelines folder that `file`'s sub-pipelines must lie in: the configured one
 * (REPAIRITY_PIPELINES, default ./pipelines) when the file is inside it, else the file's own folder.
 */
export function pipelinesRootFor(file: string): string {
  const configured = path.resolve(loadDefaults().pipelinesDir);
  return isInside(path.resolve(file), configured) ? configured : path.dirname(path.resolve(file));
}

/** Compiles a pipeline file or throws the diagnostics as one user-facing error. */
export async function compileOrThrow(file: string): Promise<{ plan: Plan; warnings: string[] }> {
  const result = compilePipelineFile(file, { root: pipelinesRootFor(file) });
  if (!result.ok) throw new PipelineCompileError(result.diagnostics);
  return { plan: result.plan, warnings: result.warnings.map((w) => `${w.file}:${w.line}:${w.column}: warning: ${w.message}`) };
}
