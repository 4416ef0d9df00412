/**
 * What `repairity rerun` changes about the run it continues: params set again (`--param`), and
 * which steps run again although the step cache has their result (`--from`: that step and every
 * step after it; `--force`: that step alone).
 */
import { coerceParam, InvalidParamsError } from '../compiler/index.js';
import type { Plan } from '../engine/plan.js';
import { didYouMean } from '../compiler/suggest.js';
import { PermanentError } from '../core/errors.js';

function stepOf(plan: Plan, id: string, flag: string) {
  const step = plan.steps.find((s) => s.id === id);
  if (!step) throw new PermanentError(`${flag} ${id}: pipeline "${plan.name}" has no step "${id}"${didYouMean(id, plan.steps.map((s) => s.id))} (steps: ${plan.steps.map((s) => s.id).join(', ')})`);
  if (step.type === 'pipeline') throw new PermanentError(`${flag} ${id}: "${id}" runs a sub-pipeline; force one of its own steps in a rerun of that pipeline instead (its finished steps come from the step cache)`);
  return step;
}

/** The step and every step that depends on it, directly or not, in plan order. */
export function stepsFrom(plan: Plan, id: string): string[] {
  stepOf(plan, id, '--from');
  const chosen = new Set([id]);
  // Plan steps are topologically sorted: one pass sees every dependency before its dependents.
  for (const s of plan.steps) if (s.needs.some((n) => chosen.has(n))) chosen.add(s.id);
  return plan.steps.filter((s) => chosen.has(s.id) && s.type === 'activity').map((s) => s.id);
}

export function forcedSteps(plan: Plan, from: string | undefined, force: readonly string[]): string[] {
  const ids = new Set(from !== undefined ? stepsFrom(plan, from) : []);
  for (const id of force) ids.add(stepOf(plan, id, '--force').id);
  return plan.steps.filter((s) => ids.has(s.id)).map((s) => s.id);
}

/** The earlier run's params with the `--param` strings coerced to their declared types on top. */
export function paramsWith(plan: Plan, earlier: Record<string, unknown>, overrides: Record<string, string>): Record<string, unknown> {
  const problems: string[] = [];
  const out = { ...earlier };
  for (const [name, raw] of Object.entries(overrides)) {
    const spec = plan.params[name];
    if (!spec) {
      problems.push(`unknown param "${name}"${didYouMean(name, Object.keys(plan.params))} (params: ${Object.keys(plan.params).join(', ') || 'none'})`);
      continue;
    }
    const r = coerceParam(name, spec, raw);
    if ('error' in r) problems.push(r.error);
    else out[name] = r.value;
  }
  if (problems.length > 0) throw new InvalidParamsError(problems, plan.source.file);
  return out;
}
