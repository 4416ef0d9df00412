/**
 * First pass over a schema-shaped document: params (and their defaults), steps (their kind from
 * the catalog, or their child pipeline), explicit `needs`. Defensive: parts the schema check
 * already rejected are skipped, so that every other problem is still reported.
 */
import type { ParamSpec, ParamType, Plan } from '../engine/plan.js';
import { checkParamValue, hasType, withArticle } from './params.js';
import type { CompileContext, StepInfo } from './context.js';
import { isRecord } from './context.js';
import type { Position } from './source.js';
import { quote } from './limits.js';
import { didYouMean, listNames } from './suggest.js';

const PARAM_TYPES = new Set<ParamType>(['string', 'number', 'integer', 'boolean', 'array', 'object']);

export function collectParams(ctx: CompileContext): void {
  const params = ctx.doc.params;
  if (!isRecord(params)) return;
  for (const [name, raw] of Object.entries(params)) {
    if (!isRecord(raw) || typeof raw.type !== 'string' || !PARAM_TYPES.has(raw.type as ParamType)) continue;
    const spec: ParamSpec = { type: raw.type as ParamType };
    if (typeof raw.description === 'string') spec.description = raw.description;
    if (Array.isArray(raw.enum)) {
      spec.enum = raw.enum;
      raw.enum.forEach((value, i) => {
        if (!hasType(spec.type, value)) {
          ctx.error('param-type', ctx.at(['params', name, 'enum', i]), `enum value ${JSON.stringify(value)} of param "${name}" is not ${withArticle(spec.type)}; every allowed value must have the param's type`);
        }
      });
    }
    if ('default' in raw) {
      spec.default = raw.default;
      const problem = checkParamValue(name, spec, raw.default);
      if (problem) ctx.error('param-type', ctx.at(['params', name, 'default']), `default of ${problem}; fix the default or the type`);
    }
    ctx.params.set(name, spec);
  }
}

export type IncludeChild = (relativePath: string, at: Position) => Plan | undefined;

export function collectSteps(ctx: CompileContext, includeChild: IncludeChild): void {
  const steps = ctx.doc.steps;
  if (!isRecord(steps)) return;
  let order = 0;
  for (const [id, raw] of Object.entries(steps)) {
    if (!isRecord(raw)) continue;
    const info: StepInfo = {
      id,
      raw,
      order: order++,
      kind: 'invalid',
      isForEach: raw.forEach !== undefined && raw.forEach !== null,
      deps: new Map(),
      withSites: [],
      forEachSites: [],
    };
    if (typeof raw.pipeline === 'string' && raw.pipeline !== '' && raw.uses === undefined) {
      const child = includeChild(raw.pipeline, ctx.at(['steps', id, 'pipeline']));
      if (child) {
        info.kind = 'pipeline';
        info.child = child;
      }
    } else if (typeof raw.uses === 'string' && raw.pipeline === undefined) {
      const spec = ctx.catalog.get(raw.uses);
      if (spec) {
        info.kind = 'activity';
        info.spec = spec;
      } else {
        const hint = didYouMean(raw.uses, ctx.catalog.keys());
        ctx.error(
          'unknown-uses',
          ctx.at(['steps', id, 'uses']),
          `unknown step kind "${quote(raw.uses)}" in step "${quote(id)}"${hint || `; known kinds: ${listNames([...ctx.catalog.keys()].sort()) || '(none registered)'}`}`,
        );
      }
    }
    ctx.steps.set(id, info);
  }
  for (const info of ctx.steps.values()) collectNeeds(ctx, info);
}

function collectNeeds(ctx: CompileContext, info: StepInfo): void {
  const needs = info.raw.needs;
  const list: [string, (string | number)[]][] =
    typeof needs === 'string'
      ? [[needs, ['steps', info.id, 'needs']]]
      : Array.isArray(needs)
        ? needs.flatMap((n, i): [string, (string | number)[]][] => (typeof n === 'string' ? [[n, ['steps', info.id, 'needs', i]]] : []))
        : [];
  for (const [need, path] of list) {
    const where = ctx.at(path);
    if (need === info.id) {
      ctx.error('self-reference', where, `step "${quote(info.id)}" lists itself in needs; remove it`);
    } else if (!ctx.steps.has(need)) {
      ctx.error('unknown-need', where, `step "${quote(info.id)}" needs unknown step "${quote(need)}"${didYouMean(need, ctx.steps) || `; steps: ${listNames(ctx.steps.keys())}`}`);
    } else if (!info.deps.has(need)) {
      info.deps.set(need, where);
    }
  }
}
