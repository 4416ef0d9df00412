/**
 * `compilePipeline`: YAML text -> Plan, or every problem found, each at file:line:column.
 * Passes: YAML parse (positions kept) -> JSON Schema -> declarations (params, steps, kinds,
 * child pipelines) -> expressions and references -> typed wiring -> schedule -> cycles -> plan.
 * Bad input never throws: any unexpected exception becomes an `internal` diagnostic.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultCatalog } from '../activities/catalog.js';
import type { StepCatalog } from '../activities/catalog.js';
import { buildPlan } from './build.js';
import { CompileContext, isRecord } from './context.js';
import { collectParams, collectSteps } from './declarations.js';
import type { Diagnostic } from './diagnostics.js';
import { checkCycles } from './graph.js';
import type { Plan } from './plan.js';
import { resolvePolicy } from './policies.js';
import type { StepPolicy } from './policies.js';
import { checkOutputExpressions, checkStepExpressions, inferItemSchema } from './references.js';
import { checkNotify } from './notify.js';
import { checkSchedule } from './schedule.js';
import { checkSchema } from './schema.js';
import { parseSource } from './source.js';
import type { Position } from './source.js';
import { checkWiring } from './wiring.js';

export type LoadPipeline = (relativePath: string, fromFile: string) => { text: string; file: string };

export interface CompileOptions {
  /** Name of the file, as diagnostics and the plan's `source.file` show it. */
  file: string;
  /** Step kinds `uses:` may name. Default: `defaultCatalog`. */
  catalog?: StepCatalog;
  /** Reads a sub-pipeline named by `pipeline:`. Default: the file system, relative to the including file. */
  loadPipeline?: LoadPipeline;
}

export type CompileResult = { ok: true; plan: Plan; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Reads `relativePath` next to `fromFile`. */
export const loadPipelineFromDisk: LoadPipeline = (relativePath, fromFile) => {
  const file = path.isAbsolute(relativePath) ? relativePath : path.join(path.dirname(fromFile), relativePath);
  return { text: readFileSync(file, 'utf8'), file };
};

export function compilePipeline(text: string, opts: CompileOptions): CompileResult {
  return compileWithStack(text, opts, []);
}

/** Reads and compiles a pipeline file. A file that cannot be read is a diagnostic too. */
export function compilePipelineFile(file: string, opts: Omit<CompileOptions, 'file'> & { file?: string } = {}): CompileResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, diagnostics: [{ file, line: 1, column: 1, code: 'pipeline-include', message: `cannot read pipeline file: ${(err as Error).message}` }] };
  }
  return compilePipeline(text, { ...opts, file: opts.file ?? file });
}

function compileWithStack(text: string, opts: CompileOptions, stack: readonly string[]): CompileResult {
  try {
    return compileInner(text, opts, stack);
  } catch (err) {
    return {
      ok: false,
      diagnostics: [{ file: opts.file, line: 1, column: 1, code: 'internal', message: `internal compiler error (please report it with this file): ${(err as Error)?.message ?? String(err)}` }],
    };
  }
}

function compileInner(text: string, opts: CompileOptions, stack: readonly string[]): CompileResult {
  const parsed = parseSource(text, opts.file);
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
  const { source, value } = parsed;
  const diagnostics = [...parsed.diagnostics, ...checkSchema(value, source)];
  if (!isRecord(value)) return { ok: false, diagnostics };

  const ctx = new CompileContext(source, value, opts.catalog ?? defaultCatalog);
  ctx.diagnostics.push(...diagnostics);
  const chain = [...stack, path.resolve(opts.file)];
  const childDiagnostics: Diagnostic[] = [];

  const includeChild = (relativePath: string, at: Position): Plan | undefined => {
    const load = opts.loadPipeline ?? loadPipelineFromDisk;
    let loaded: { text: string; file: string };
    try {
      loaded = load(relativePath, opts.file);
    } catch (err) {
      ctx.error('pipeline-include', at, `cannot read pipeline "${relativePath}": ${(err as Error)?.message ?? String(err)}; the path is relative to ${opts.file}`);
      return undefined;
    }
    const resolved = path.resolve(loaded.file);
    if (chain.includes(resolved)) {
      const cycle = [...chain.slice(chain.indexOf(resolved)), resolved].map((f) => path.relative(process.cwd(), f) || f);
      ctx.error('include-cycle', at, `pipeline include cycle: ${cycle.join(' -> ')}; a pipeline cannot run itself`);
      return undefined;
    }
    const result = compileWithStack(loaded.text, { ...opts, file: loaded.file }, chain);
    if (result.ok) {
      ctx.warnings.push(...result.warnings);
      return result.plan;
    }
    for (const d of result.diagnostics) {
      // A child included by several steps reports its problems once.
      if (!childDiagnostics.some((c) => c.file === d.file && c.line === d.line && c.column === d.column && c.message === d.message)) childDiagnostics.push(d);
    }
    ctx.error('pipeline-include', at, `pipeline "${relativePath}" has ${result.diagnostics.length} problem${result.diagnostics.length === 1 ? '' : 's'} (listed under ${loaded.file})`);
    return undefined;
  };

  collectParams(ctx);
  collectSteps(ctx, includeChild);
  for (const step of ctx.steps.values()) checkStepExpressions(ctx, step);
  checkOutputExpressions(ctx);
  for (const step of ctx.steps.values()) inferItemSchema(ctx, step);
  for (const step of ctx.steps.values()) checkWiring(ctx, step);
  const policies = new Map<string, StepPolicy>();
  for (const step of ctx.steps.values()) policies.set(step.id, resolvePolicy(ctx, step));
  checkSchedule(ctx);
  checkNotify(ctx);
  checkCycles(ctx);

  const all = [...ctx.diagnostics, ...childDiagnostics];
  if (all.length > 0 || [...ctx.steps.values()].some((s) => s.kind === 'invalid')) {
    return { ok: false, diagnostics: all.length > 0 ? all : [{ file: opts.file, line: 1, column: 1, code: 'schema', message: 'the pipeline is invalid' }] };
  }
  return { ok: true, plan: buildPlan(ctx, policies), warnings: ctx.warnings };
}
