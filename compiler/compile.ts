/**
 * `compilePipeline`: YAML text -> Plan, or every problem found, each at file:line:column.
 * Passes: YAML parse (positions kept) -> JSON Schema -> declarations (params, steps, kinds,
 * child pipelines) -> expressions and references -> typed wiring -> schedule -> cycles -> plan.
 * Bad input never throws: any unexpected exception becomes an `internal` diagnostic.
 */
import path from 'node:path';
import { defaultCatalog } from '../kinds/catalog.js';
import type { StepCatalog } from '../kinds/catalog.js';
import { buildPlan } from './build.js';
import { CompileContext, isRecord } from './context.js';
import { collectParams, collectSteps } from './declarations.js';
import type { Diagnostic } from './diagnostics.js';
import { checkCycles } from './graph.js';
import { checkCounts } from './counts.js';
import { LIMITS, quote } from './limits.js';
import { noteLookalikes } from './lookalikes.js';
import { PipelineReadError, readPipelineFile } from './read-file.js';
import type { Plan } from '../engine/plan.js';
import { resolvePolicy } from './policies.js';
import type { StepPolicy } from './policies.js';
import { checkOutputExpressions, checkStepExpressions, inferItemSchema } from './references.js';
import { checkNotify } from './notify.js';
import { checkSchedule } from './schedule.js';
import { checkSchema } from './schema.js';
import { parseSource } from './source.js';
import type { Position } from './source.js';
import { checkWiring } from './wiring.js';

/** Reads the sub-pipeline `relativePath` named in `fromFile`; `root` is the pipelines folder it must lie in. */
export type LoadPipeline = (relativePath: string, fromFile: string, root: string) => { text: string; file: string };

export interface CompileOptions {
  /** Name of the file, as diagnostics and the plan's `source.file` show it. */
  file: string;
  /** Step kinds `uses:` may name. Default: `defaultCatalog`. */
  catalog?: StepCatalog;
  /** Reads a sub-pipeline named by `pipeline:`. Default: the file system, relative to the including file, inside `root`. */
  loadPipeline?: LoadPipeline;
  /** The pipelines folder: sub-pipelines must be regular files inside it. Default: the folder of `file`. */
  root?: string;
}

export type CompileResult = { ok: true; plan: Plan; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Reads `relativePath` next to `fromFile`; a regular file inside `root`, checked before reading. */
export const loadPipelineFromDisk: LoadPipeline = (relativePath, fromFile, root) => {
  const file = path.isAbsolute(relativePath) ? relativePath : path.join(path.dirname(fromFile), relativePath);
  return { text: readPipelineFile(file, root), file };
};

const MESSAGE_MAX = 2000;

/** One compile of a top-level file: the include chain, and each sub-pipeline compiled once. */
interface Session {
  root: string;
  chain: readonly string[];
  children: Map<string, CompileResult>;
}

export function compilePipeline(text: string, opts: CompileOptions): CompileResult {
  return compileWithSession(text, opts, { root: path.resolve(opts.root ?? path.dirname(opts.file)), chain: [], children: new Map() });
}

/** Reads and compiles a pipeline file. A file that cannot be read is a diagnostic too. */
export function compilePipelineFile(file: string, opts: Omit<CompileOptions, 'file'> & { file?: string } = {}): CompileResult {
  let text: string;
  try {
    text = readPipelineFile(file);
  } catch (err) {
    const at = err instanceof PipelineReadError ? err.at : undefined;
    return { ok: false, diagnostics: [{ file: opts.file ?? file, line: at?.line ?? 1, column: at?.column ?? 1, code: 'pipeline-include', message: `cannot read pipeline file: ${(err as Error).message}` }] };
  }
  return compilePipeline(text, { ...opts, file: opts.file ?? file });
}

function compileWithSession(text: string, opts: CompileOptions, session: Session): CompileResult {
  let result: CompileResult;
  try {
    result = compileInner(text, opts, session);
  } catch (err) {
    result = {
      ok: false,
      diagnostics: [{ file: opts.file, line: 1, column: 1, code: 'internal', message: `internal compiler error (please report it with this file): ${quote((err as Error)?.message ?? String(err))}` }],
    };
  }
  if (!result.ok) {
    // A message quotes names from the file, each cut to a length (limits.ts); this bounds the whole.
    const bounded = result.diagnostics.map((d) => (d.message.length > MESSAGE_MAX ? { ...d, message: `${d.message.slice(0, MESSAGE_MAX)}…` } : d));
    result.diagnostics = noteLookalikes(bounded, opts.file, text);
  }
  return result;
}

function compileInner(text: string, opts: CompileOptions, session: Session): CompileResult {
  const parsed = parseSource(text, opts.file);
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
  const { source, value } = parsed;
  const tooMany = checkCounts(value, source);
  if (tooMany) return { ok: false, diagnostics: [tooMany] };
  const diagnostics = [...parsed.diagnostics, ...checkSchema(value, source)];
  if (!isRecord(value)) return { ok: false, diagnostics };

  const ctx = new CompileContext(source, value, opts.catalog ?? defaultCatalog);
  ctx.diagnostics.push(...diagnostics);
  const chain = [...session.chain, path.resolve(opts.file)];
  const childDiagnostics: Diagnostic[] = [];
  const reported = new Set<string>();

  const includeChild = (relativePath: string, at: Position): Plan | undefined => {
    if (chain.length > LIMITS.includeDepth) {
      ctx.error('limit', at, `sub-pipelines nest more than ${LIMITS.includeDepth} levels deep (${chain.length} files above this one); the limit is ${LIMITS.includeDepth}`);
      return undefined;
    }
    const load = opts.loadPipeline ?? loadPipelineFromDisk;
    let loaded: { text: string; file: string };
    try {
      loaded = load(relativePath, opts.file, session.root);
    } catch (err) {
      ctx.error('pipeline-include', at, `cannot read pipeline "${quote(relativePath)}": ${(err as Error)?.message ?? String(err)}; the path is relative to ${opts.file}`);
      return undefined;
    }
    const resolved = path.resolve(loaded.file);
    if (chain.includes(resolved)) {
      const cycle = [...chain.slice(chain.indexOf(resolved)), resolved].map((f) => path.relative(process.cwd(), f) || f);
      ctx.error('include-cycle', at, `pipeline include cycle: ${cycle.join(' -> ')}; a pipeline cannot run itself`);
      return undefined;
    }
    let result = session.children.get(resolved);
    if (!result) {
      result = compileWithSession(loaded.text, { ...opts, file: loaded.file }, { ...session, chain });
      session.children.set(resolved, result);
    }
    if (result.ok) {
      ctx.warnings.push(...result.warnings);
      return result.plan;
    }
    for (const d of result.diagnostics) {
      // A child included by several steps reports its problems once.
      const key = `${d.file}:${d.line}:${d.column}:${d.message}`;
      if (!reported.has(key)) childDiagnostics.push(d);
      reported.add(key);
    }
    ctx.error('pipeline-include', at, `pipeline "${quote(relativePath)}" has ${result.diagnostics.length} problem${result.diagnostics.length === 1 ? '' : 's'} (listed under ${loaded.file})`);
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
