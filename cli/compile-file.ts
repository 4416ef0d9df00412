import { compilePipelineFile, PipelineCompileError } from '../compiler/index.js';
import type { Plan } from '../compiler/plan.js';

/** Compiles a pipeline file or throws the diagnostics as one user-facing error. */
export async function compileOrThrow(file: string): Promise<{ plan: Plan; warnings: string[] }> {
  const result = compilePipelineFile(file, {});
  if (!result.ok) throw new PipelineCompileError(result.diagnostics);
  return { plan: result.plan, warnings: result.warnings.map((w) => `${w.file}:${w.line}:${w.column}: warning: ${w.message}`) };
}
