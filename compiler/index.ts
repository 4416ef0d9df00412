/** The pipeline compiler: YAML text -> validated, typed, JSON-serialisable Plan. No Temporal imports. */
export { compilePipeline, compilePipelineFile, loadPipelineFromDisk } from './compile.js';
export type { CompileOptions, CompileResult, LoadPipeline } from './compile.js';
export { formatDiagnostics, sortDiagnostics, PipelineCompileError } from './diagnostics.js';
export type { Diagnostic, DiagnosticCode } from './diagnostics.js';
export { bindParams, bindParamsCollect, coerceParam, checkParamValue, InvalidParamsError } from './params.js';
export type { BindOptions } from './params.js';
export { toMermaid } from './mermaid.js';
export { planHash } from './build.js';
export { parseDuration, DURATION_PATTERN } from './duration.js';
export { pipelineSchema } from './schema.js';
export { BUILTIN_DEFAULTS } from './policies.js';
export type * from '../engine/plan.js';
