/**
 * The gap to the teacher, as the paper's Eq. 2 measures it: the teacher's pass@1 minus a model's
 * (in points), and the share of the base model's gap a trained model closes. The paper reports the
 * gap falling from 10.05% (base) to 1.35% (Repairity); its exact Eq. 2 could not be checked here,
 * so docs/repairity-method.md records this reading of it.
 */
import type { Metrics } from './metrics.js';

export interface GapRow {
  model: string;
  /** teacher pass@1 − model pass@1; null when either is unknown. */
  gap: number | null;
  /** (gap of the first model − gap of this one) / gap of the first model; null when that gap is 0 or unknown. */
  closed: number | null;
}

export function gapToTeacher(models: Metrics[], teacher: Metrics | null | undefined): GapRow[] {
  const ref = teacher?.passAt1 ?? null;
  const gapOf = (m: Metrics) => (ref === null || m.passAt1 === null ? null : ref - m.passAt1);
  const baseGap = models.length > 0 ? gapOf(models[0]!) : null;
  return models.map((m) => {
    const gap = gapOf(m);
    const closed = gap === null || baseGap === null || baseGap === 0 ? null : (baseGap - gap) / baseGap;
    return { model: m.model, gap, closed };
  });
}
