/** Last pass, on a file with no errors: the Plan, every default applied, steps in dependency order. */
import type { CompileContext, StepInfo } from './context.js';
import { isRecord } from './context.js';
import { topologicalOrder } from './graph.js';
import { hashJson, sha256Hex } from '../core/hash.js';
import type { Plan, PlanStep, Template } from '../engine/plan.js';
import type { StepPolicy } from './policies.js';
import { BUILTIN_DEFAULTS } from './policies.js';
import { buildNotify } from './notify.js';
import { buildSchedule } from './schedule.js';

export function buildPlan(ctx: CompileContext, policies: ReadonlyMap<string, StepPolicy>): Plan {
  const doc = ctx.doc;
  const steps = topologicalOrder([...ctx.steps.values()]).map((s) => buildStep(ctx, s, policies.get(s.id)!));
  const plan: Omit<Plan, 'hash'> & { hash?: string } = {
    apiVersion: 'repairity/v1',
    name: String(doc.name),
    source: { file: ctx.file, sha256: sha256Hex(ctx.source.text) },
    params: Object.fromEntries(ctx.params),
    steps,
    outputs: isRecord(doc.outputs) ? (doc.outputs as Record<string, Template>) : {},
    parallelism: typeof doc.parallelism === 'number' ? doc.parallelism : BUILTIN_DEFAULTS.parallelism,
  };
  if (typeof doc.description === 'string') plan.description = doc.description;
  if (typeof doc.budget === 'number') plan.budgetUsd = doc.budget;
  const schedule = buildSchedule(ctx);
  if (schedule) plan.schedule = schedule;
  const notify = buildNotify(ctx);
  if (notify) plan.notify = notify;
  return { ...plan, hash: planHash(plan) } as Plan;
}

/** sha256 of the plan's canonical JSON without its `hash` field. */
export function planHash(plan: Omit<Plan, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = plan;
  return hashJson(rest);
}

function buildStep(ctx: CompileContext, step: StepInfo, policy: StepPolicy): PlanStep {
  const raw = step.raw;
  const { line, column } = ctx.at(['steps', step.id], 'key');
  const base = {
    id: step.id,
    needs: [...step.deps.keys()].sort(),
    with: (isRecord(raw.with) ? raw.with : {}) as Record<string, Template>,
    continueOnError: policy.continueOnError,
    // Only when set: plans without it keep their hashes (and their cached steps).
    ...(raw.skippedNeeds === 'run' ? { skippedNeeds: 'run' as const } : {}),
    location: { file: ctx.file, line, column },
    ...(step.ifSite ? { if: step.ifSite.expression } : typeof raw.if === 'boolean' ? { if: String(raw.if) } : {}),
    ...(step.isForEach ? { forEach: { items: raw.forEach as Template, concurrency: policy.concurrency } } : {}),
  };
  if (step.kind === 'pipeline') return { ...base, type: 'pipeline', plan: step.child! };
  return {
    ...base,
    type: 'activity',
    uses: step.spec!.name,
    kindVersion: step.spec!.version,
    queue: policy.queue,
    retry: policy.retry,
    timeoutMs: policy.timeoutMs,
    ...(policy.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: policy.heartbeatTimeoutMs }),
    cache: policy.cache,
    ...(policy.budgetUsd === undefined ? {} : { budgetUsd: policy.budgetUsd }),
    ...(step.spec!.spends ? { spends: true } : {}),
  };
}
